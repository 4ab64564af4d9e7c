using System.Runtime.InteropServices;
using GrainStream.Streams;
using Npgsql;
using Orleans.Runtime;

namespace GrainStream.Persistence.Postgres;

/// <summary>Stream history in a <see cref="PostgresDatabase"/>: one <c>gs_stream_log</c> row per
/// stream (its epoch and retained range) and one <c>gs_stream_event</c> row per retained event, a
/// stream keyed by its namespace and its key as text. The contract is <see cref="Sqlite.SqliteEventLog"/>'s,
/// made safe for writers in several processes.</summary>
/// <remarks>
/// <para>A new stream's epoch is the creator's clock in unix milliseconds, raised when needed above
/// every epoch handed out in the database before (<c>gs_stream_epoch</c>), so epochs grow across
/// processes whatever their clocks. It is stored: an existing stream keeps its epoch.</para>
/// <para>The <c>gs_stream_log</c> row is written by the stream's first append, not when the stream is
/// opened: opening a stream without one only takes the next epoch (<c>gs_stream_epoch</c>, one row for
/// all streams), so streams that are only opened or read leave no row.</para>
/// <para>An append is one statement, <c>gs_append_stream_events</c>, however many events it carries (they go
/// as arrays), behind the fence in one batch: one transaction and one round trip. It creates the log
/// row on the first append, locks it, checks the epoch and that the first sequence is the last + 1,
/// inserts and moves the log's last sequence, or appends nothing. Of two processes appending the same sequence, the second
/// waits for the first's lock, then finds the log moved on and is refused
/// (<see cref="EventLogConflictException"/>); the primary key (stream, sequence) refuses a stored
/// sequence whatever the log row says, and that too is a conflict.</para>
/// <para>Retention is not the append's business (<see cref="TrimAsync"/>, called by the stream's hub
/// off the publish path and by the retention sweep): <c>gs_stream_keep_from</c> finds the cut, and
/// the events before it are deleted in batches, each a fenced write of its own.</para>
/// </remarks>
public sealed class PostgresEventLog : IEventLog
{
    private const string UniqueViolation = "23505";
    private const string SelectPosition = "SELECT epoch, first_seq, last_seq FROM gs_stream_log WHERE stream_ns = $1 AND stream_key = $2";
    // The epoch of a stream that has no log yet; stored by its first append.
    private const string NextEpoch = "UPDATE gs_stream_epoch SET last_epoch = GREATEST(last_epoch + 1, $1) RETURNING last_epoch";
    private const string Append = "SELECT log_epoch, log_last_seq, appended FROM gs_append_stream_events($1, $2, $3, $4, $5, $6, $7)";
    private const string KeepFrom = "SELECT l.first_seq, gs_stream_keep_from($1, $2, $3, $4, $5, $6) FROM gs_stream_log l WHERE l.stream_ns = $1 AND l.stream_key = $2";
    private const string DeleteBefore = "DELETE FROM gs_stream_event WHERE stream_ns = $1 AND stream_key = $2 AND seq < $3";
    private const string MoveFirst = "UPDATE gs_stream_log SET first_seq = GREATEST(first_seq, $3) WHERE stream_ns = $1 AND stream_key = $2";
    // The log row goes first: its delete locks it, so an append of the stream (which locks the row
    // before it inserts) waits, then finds no log and is refused; the events' delete, a later
    // statement, sees every event committed before.
    private const string DeleteLog = "DELETE FROM gs_stream_log WHERE stream_ns = $1 AND stream_key = $2";
    private const string DeleteEvents = "DELETE FROM gs_stream_event WHERE stream_ns = $1 AND stream_key = $2";
    private const string SelectStreams = """
        SELECT stream_ns, stream_key FROM gs_stream_log
        WHERE $1 OR (stream_ns, stream_key) > ($2, $3)
        ORDER BY stream_ns, stream_key LIMIT $4
        """;
    // Joined so that the epoch and the events come from the same snapshot.
    private const string SelectEvents = """
        SELECT l.epoch, e.seq, e.event_name, e.ts, e.payload
        FROM gs_stream_event e JOIN gs_stream_log l ON l.stream_ns = e.stream_ns AND l.stream_key = e.stream_key
        WHERE e.stream_ns = $1 AND e.stream_key = $2 AND e.seq > $3
        ORDER BY e.seq
        LIMIT $4
        """;

    private readonly PostgresDatabase _database;
    private readonly TimeProvider _timeProvider;
    private readonly PostgresSiloFence _fence;

    /// <summary>Keeps stream history in <paramref name="database"/>, each write behind
    /// <paramref name="fence"/> (<see cref="PostgresSiloFence.None"/> for none); new epochs come from
    /// the clock of <paramref name="timeProvider"/>.</summary>
    public PostgresEventLog(PostgresDatabase database, TimeProvider timeProvider, PostgresSiloFence fence)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(fence);
        _database = database;
        _timeProvider = timeProvider;
        _fence = fence;
    }

    /// <inheritdoc/>
    public async Task<EventLogPosition> OpenAsync(StreamId streamId, CancellationToken cancellationToken = default)
    {
        Validate(streamId);
        var (streamNamespace, key) = (streamId.Namespace(), streamId.Key());
        var existing = await PostgresCommands.ReadAsync(
            _database, PostgresCommands.Statement(SelectPosition, streamNamespace, key), ReadPositionAsync, cancellationToken).ConfigureAwait(false);
        if (existing is not null) return existing;

        // No log row: only the next epoch is taken (one shared row), the first append stores the log.
        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var epoch = await PostgresCommands.WriteAsync(
            _database, _fence, $"take an epoch for stream {streamId}",
            [PostgresCommands.Statement(NextEpoch, now)],
            PostgresCommands.ScalarAsync<long>,
            cancellationToken).ConfigureAwait(false);
        return new EventLogPosition(epoch ?? throw new InvalidOperationException("gs_stream_epoch has no row."), 1, 0);
    }

    /// <inheritdoc/>
    public async Task AppendAsync(StreamId streamId, IReadOnlyList<StreamEvent> events, CancellationToken cancellationToken = default)
    {
        Validate(streamId);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0) return;
        EventLogBatch.Check(streamId, events);

        var first = events[0].Position;
        var names = new string[events.Count];
        var timestamps = new long[events.Count];
        var payloads = new byte[events.Count][];
        for (var i = 0; i < events.Count; i++)
        {
            names[i] = events[i].EventName;
            timestamps[i] = events[i].Timestamp.UtcTicks;
            payloads[i] = Bytes(events[i].Payload);
        }
        var append = PostgresCommands.Statement(
            Append, streamId.Namespace(), streamId.Key(), first.Epoch, first.Sequence, names, timestamps, payloads);

        AppendOutcome outcome;
        try
        {
            outcome = await PostgresCommands.WriteAsync(
                _database, _fence, $"append to stream {streamId}", [append],
                static async (reader, ct) =>
                {
                    await reader.ReadAsync(ct).ConfigureAwait(false);
                    return new AppendOutcome(reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetBoolean(2));
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException exception) when (exception.SqlState == UniqueViolation)
        {
            throw new EventLogConflictException($"Cannot append to stream {streamId} at sequence {first.Sequence}: a sequence of the batch is stored already (another writer appended it).");
        }

        if (outcome.Appended) return;
        if (outcome.Epoch is not { } epoch)
            throw new EventLogConflictException($"Cannot append to stream {streamId} at sequence {first.Sequence}: it has no log, so the next must be 1 (the log was removed, or events were skipped).");
        if (epoch != first.Epoch)
            throw new EventLogConflictException($"Cannot append to stream {streamId}: the events belong to epoch {first.Epoch} but the log is at epoch {epoch} (the stream was re-created).");
        var last = outcome.LastSequence ?? 0;
        throw new EventLogConflictException($"Cannot append to stream {streamId} at sequence {first.Sequence}: the log's last sequence is {last}, so the next must be {last + 1} (another writer appended first, or events were skipped).");
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<StreamEvent>> ReadAsync(StreamId streamId, long afterSequence, int maxCount, CancellationToken cancellationToken = default)
    {
        Validate(streamId);
        if (maxCount <= 0) return Task.FromResult<IReadOnlyList<StreamEvent>>([]);
        return PostgresCommands.ReadAsync<IReadOnlyList<StreamEvent>>(
            _database,
            PostgresCommands.Statement(SelectEvents, streamId.Namespace(), streamId.Key(), afterSequence, (long)maxCount),
            async (reader, ct) =>
            {
                var events = new List<StreamEvent>(Math.Min(maxCount, 256));
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    events.Add(new StreamEvent(
                        streamId,
                        new EventPosition(reader.GetInt64(0), reader.GetInt64(1)),
                        reader.GetString(2),
                        new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero),
                        await reader.GetFieldValueAsync<byte[]>(4, ct).ConfigureAwait(false)));
                }
                return events;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<long> TrimAsync(StreamId streamId, EventRetention retention, DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        Validate(streamId);
        ArgumentNullException.ThrowIfNull(retention);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var (streamNamespace, key) = (streamId.Namespace(), streamId.Key());
        var counted = retention.CountsEveryEvent ? (object)DBNull.Value : retention.CountedEvents.ToArray();
        var oldest = retention.OldestKept(now) is { } at ? (object)at.UtcTicks : DBNull.Value;
        var found = await PostgresCommands.ReadAsync(
            _database,
            PostgresCommands.Statement(KeepFrom, streamNamespace, key, retention.MaxEvents, counted, retention.MaxTotalEvents, oldest),
            static async (reader, ct) => await reader.ReadAsync(ct).ConfigureAwait(false) && !reader.IsDBNull(1)
                ? (First: reader.GetInt64(0), KeepFrom: reader.GetInt64(1))
                : ((long First, long KeepFrom)?)null,
            cancellationToken).ConfigureAwait(false);
        if (found is not var (first, keepFrom)) return 0;
        return await DeleteBeforeAsync(streamId, first, keepFrom, batchSize, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<long> TrimBeforeAsync(StreamId streamId, long keepFrom, int batchSize, CancellationToken cancellationToken = default)
    {
        Validate(streamId);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var (streamNamespace, key) = (streamId.Namespace(), streamId.Key());
        var position = await PostgresCommands.ReadAsync(
            _database, PostgresCommands.Statement(SelectPosition, streamNamespace, key), ReadPositionAsync, cancellationToken).ConfigureAwait(false);
        if (position is null) return 0;
        return await DeleteBeforeAsync(streamId, position.FirstSequence, Math.Min(keepFrom, position.LastSequence + 1), batchSize, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the events from <paramref name="first"/> up to <paramref name="keepFrom"/>
    /// in fenced transactions of at most <paramref name="batchSize"/>, moving the range's start with them.</summary>
    private async Task<long> DeleteBeforeAsync(StreamId streamId, long first, long keepFrom, int batchSize, CancellationToken cancellationToken)
    {
        if (keepFrom <= first) return 0;
        var (streamNamespace, key) = (streamId.Namespace(), streamId.Key());
        long deleted = 0;
        for (var from = first; from < keepFrom;)
        {
            var upTo = Math.Min(keepFrom, from + batchSize);
            var delete = PostgresCommands.Statement(DeleteBefore, streamNamespace, key, upTo);
            await PostgresCommands.WriteAsync(
                _database, _fence, $"trim stream {streamId}",
                [delete, PostgresCommands.Statement(MoveFirst, streamNamespace, key, upTo)],
                static (_, _) => Task.FromResult(true),
                cancellationToken).ConfigureAwait(false);
            deleted += delete.RecordsAffected;
            from = upTo;
        }
        return deleted;
    }

    /// <inheritdoc/>
    /// <remarks>One fenced transaction. <c>gs_stream_epoch</c> keeps the deleted stream's epoch, so the
    /// stream's next epoch is larger whatever the clocks.</remarks>
    public async Task<bool> DeleteAsync(StreamId streamId, CancellationToken cancellationToken = default)
    {
        Validate(streamId);
        var (streamNamespace, key) = (streamId.Namespace(), streamId.Key());
        var deleteLog = PostgresCommands.Statement(DeleteLog, streamNamespace, key);
        await PostgresCommands.WriteAsync(
            _database, _fence, $"delete stream {streamId}",
            [deleteLog, PostgresCommands.Statement(DeleteEvents, streamNamespace, key)],
            static (_, _) => Task.FromResult(true),
            cancellationToken).ConfigureAwait(false);
        return deleteLog.RecordsAffected > 0;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<StreamId>> ListStreamsAsync(StreamId? after, int maxCount, CancellationToken cancellationToken = default)
    {
        if (maxCount <= 0) return Task.FromResult<IReadOnlyList<StreamId>>([]);
        return PostgresCommands.ReadAsync<IReadOnlyList<StreamId>>(
            _database,
            PostgresCommands.Statement(SelectStreams, after is null, after?.Namespace() ?? "", after?.Key() ?? "", (long)maxCount),
            static async (reader, ct) =>
            {
                var streams = new List<StreamId>();
                while (await reader.ReadAsync(ct).ConfigureAwait(false)) streams.Add(StreamIds.Create(reader.GetString(0), reader.GetString(1)));
                return streams;
            },
            cancellationToken);
    }

    private static async Task<EventLogPosition?> ReadPositionAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
        => await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new EventLogPosition(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2))
            : null;

    // Npgsql sends an array of arrays; a payload that is a whole array goes as it is, without a copy.
    private static byte[] Bytes(ReadOnlyMemory<byte> payload)
        => MemoryMarshal.TryGetArray(payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : payload.ToArray();

    private static void Validate(StreamId streamId)
    {
        if (streamId.FullKey.IsEmpty) throw new ArgumentException("The stream id is the default (empty) value.", nameof(streamId));
    }

    private sealed record AppendOutcome(long? Epoch, long? LastSequence, bool Appended);
}
