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
/// <para>An append is one statement, <c>gs_append_events</c>, however many events it carries (they go
/// as arrays), behind the fence in one batch: one transaction and one round trip. It locks the
/// stream's log row, checks the epoch and that the first sequence is the last + 1, inserts, trims and
/// moves the log's range, or appends nothing. Of two processes appending the same sequence, the second
/// waits for the first's lock, then finds the log moved on and is refused
/// (<see cref="EventLogConflictException"/>); the primary key (stream, sequence) refuses a stored
/// sequence whatever the log row says, and that too is a conflict.</para>
/// <para>Retention: once a stream holds more than <see cref="PostgresOptions.MaxEventsPerStream"/> plus
/// a tenth, the append cuts it back to exactly <see cref="PostgresOptions.MaxEventsPerStream"/> with
/// one range delete. Events of a batch that would be trimmed at once are not written.</para>
/// </remarks>
public sealed class PostgresEventLog : IEventLog
{
    private const string UniqueViolation = "23505";
    private const string SelectPosition = "SELECT epoch, first_seq, last_seq FROM gs_stream_log WHERE stream_ns = $1 AND stream_key = $2";
    // Takes the next epoch and creates the log unless another process just did; events can only be
    // left over if someone removed the log row by hand: never let them reappear under the new epoch.
    private const string Create = """
        WITH next_epoch AS (
            UPDATE gs_stream_epoch SET last_epoch = GREATEST(last_epoch + 1, $3) RETURNING last_epoch),
        created AS (
            INSERT INTO gs_stream_log (stream_ns, stream_key, epoch, first_seq, last_seq)
            SELECT $1, $2, last_epoch, 1, 0 FROM next_epoch
            ON CONFLICT DO NOTHING
            RETURNING 1),
        cleared AS (
            DELETE FROM gs_stream_event
            WHERE stream_ns = $1 AND stream_key = $2 AND EXISTS (SELECT 1 FROM created))
        SELECT count(*) FROM created
        """;
    private const string Append = "SELECT log_epoch, log_last_seq, appended FROM gs_append_events($1, $2, $3, $4, $5, $6, $7, $8, $9)";
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
    private readonly long _maxEvents;
    private readonly long _trimThreshold;

    /// <summary>Keeps stream history in <paramref name="database"/>, each write behind
    /// <paramref name="fence"/> (<see cref="PostgresSiloFence.None"/> for none); new epochs come from
    /// the clock of <paramref name="timeProvider"/>.</summary>
    public PostgresEventLog(PostgresDatabase database, TimeProvider timeProvider, PostgresSiloFence fence)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(fence);
        if (database.Options.MaxEventsPerStream <= 0)
            throw new ArgumentException($"{nameof(PostgresOptions.MaxEventsPerStream)} must be positive, not {database.Options.MaxEventsPerStream}.", nameof(database));
        _database = database;
        _timeProvider = timeProvider;
        _fence = fence;
        _maxEvents = database.Options.MaxEventsPerStream;
        _trimThreshold = _maxEvents + _maxEvents / 10;
    }

    /// <inheritdoc/>
    public async Task<EventLogPosition> OpenAsync(StreamId streamId, CancellationToken cancellationToken = default)
    {
        Validate(streamId);
        var (streamNamespace, key) = (streamId.Namespace(), streamId.Key());
        // Streams are opened far more often than created: look first, without writing.
        var existing = await PostgresCommands.ReadAsync(
            _database, PostgresCommands.Statement(SelectPosition, streamNamespace, key), ReadPositionAsync, cancellationToken).ConfigureAwait(false);
        if (existing is not null) return existing;

        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var position = await PostgresCommands.WriteAsync(
            _database, _fence, $"create the log of stream {streamId}",
            [PostgresCommands.Statement(Create, streamNamespace, key, now), PostgresCommands.Statement(SelectPosition, streamNamespace, key)],
            async (reader, ct) =>
            {
                await reader.NextResultAsync(ct).ConfigureAwait(false);
                return await ReadPositionAsync(reader, ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        return position ?? throw new InvalidOperationException($"The log of stream {streamId} was removed while it was being created.");
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
            Append, streamId.Namespace(), streamId.Key(), first.Epoch, first.Sequence, names, timestamps, payloads, _maxEvents, _trimThreshold);

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
            throw new EventLogConflictException($"Cannot append to stream {streamId}: it has no log (it was never opened, or was removed).");
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
