using GrainStream.Streams;
using Microsoft.Data.Sqlite;
using Orleans.Runtime;
using SQLitePCL;

namespace GrainStream.Persistence.Sqlite;

/// <summary>Stream history in a <see cref="SqliteDatabase"/>: one <c>stream_log</c> row per stream
/// (its epoch and retained range) and one <c>stream_event</c> row per retained event. A stream is keyed
/// by its namespace and its key as text.</summary>
/// <remarks>
/// <para>A new stream's epoch is the current unix time in milliseconds, raised when needed so that it is
/// greater than every epoch this process handed out or found in the file. It is stored, so an existing
/// stream keeps its epoch across restarts and positions held by clients stay valid.</para>
/// <para>The <c>stream_log</c> row is written by the stream's first append, not when the stream is
/// opened: a stream that is only opened or read (an empty room, an unknown log file) leaves no row.</para>
/// <para>An append is one write transaction however many events it carries: callers batch (group
/// commit) and pay for one commit per batch. It writes only the events' rows: the stream's last
/// sequence is its newest event's, so the <c>stream_log</c> row changes only when the stream is
/// created or trimmed (and then records the last sequence, which the row keeps should no event be
/// left). That is one WAL frame less per commit: a one-event append made 5.4 writes to the WAL instead of 7.4.</para>
/// <para>Retention is not the append's business (<see cref="TrimAsync"/>, called by the stream's hub
/// off the publish path and by the retention sweep): its cut is found on a reader connection and the
/// events are deleted in batches, each a short write of its own, then the freed pages are handed back
/// to the file system (<see cref="SqliteDatabase.ReclaimFreePagesAsync"/>).</para>
/// </remarks>
public sealed class SqliteEventLog : IEventLog
{
    // The statements of an append (and the position lookup) run as raw statements, see
    // SqliteStatement; their parameters are numbered, ?1 and ?2 always the stream's namespace and key.
    // The last sequence is the stream's newest event, found by one seek at the end of its key range
    // (the page the next insert writes); stream_log's last_seq only keeps it when no event is left.
    private const string SelectPosition = """
        SELECT l.epoch, l.first_seq, MAX(l.last_seq, COALESCE(
            (SELECT e.seq FROM stream_event e WHERE e.stream_ns = ?1 AND e.stream_key = ?2 ORDER BY e.seq DESC LIMIT 1), 0))
        FROM stream_log l WHERE l.stream_ns = ?1 AND l.stream_key = ?2
        """;
    private const string InsertEvent = "INSERT INTO stream_event (stream_ns, stream_key, seq, event_name, ts, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    private const string DeleteEventsBefore = "DELETE FROM stream_event WHERE stream_ns = ?1 AND stream_key = ?2 AND seq < ?3";
    private const string InsertLog = "INSERT INTO stream_log (stream_ns, stream_key, epoch, first_seq, last_seq) VALUES (?1, ?2, ?3, 1, 0)";
    private const string DeleteEvents = "DELETE FROM stream_event WHERE stream_ns = ?1 AND stream_key = ?2";
    private const string DeleteLog = "DELETE FROM stream_log WHERE stream_ns = ?1 AND stream_key = ?2";
    // Retention (see TrimAsync): the sequence of the n-th newest event (of the counted names), and
    // of the oldest event young enough to keep. Each walks the stream's key range from one end.
    private const string NthNewest = "SELECT seq FROM stream_event WHERE stream_ns = $ns AND stream_key = $key ORDER BY seq DESC LIMIT 1 OFFSET $n";
    private const string NthNewestCounted = """
        SELECT seq FROM stream_event
        WHERE stream_ns = $ns AND stream_key = $key AND instr($names, ',' || event_name || ',') > 0
        ORDER BY seq DESC LIMIT 1 OFFSET $n
        """;
    private const string OldestYoung = "SELECT seq FROM stream_event WHERE stream_ns = $ns AND stream_key = $key AND ts >= $ts ORDER BY seq LIMIT 1";
    private const string TrimRange = """
        UPDATE stream_log SET first_seq = MAX(first_seq, ?3), last_seq = MAX(last_seq, COALESCE(
            (SELECT e.seq FROM stream_event e WHERE e.stream_ns = ?1 AND e.stream_key = ?2 ORDER BY e.seq DESC LIMIT 1), 0))
        WHERE stream_ns = ?1 AND stream_key = ?2
        """;
    private const string SelectStreams = """
        SELECT stream_ns, stream_key FROM stream_log
        WHERE $first OR stream_ns > $ns OR (stream_ns = $ns AND stream_key > $key)
        ORDER BY stream_ns, stream_key LIMIT $max
        """;
    // Pages handed back per reclaim: 4 MiB of 4 KiB pages, a short write.
    private const int ReclaimPages = 1024;
    private const int MaxReclaimSteps = 64;
    // Joined so that the epoch and the events come from the same snapshot.
    private const string SelectEvents = """
        SELECT l.epoch, e.seq, e.event_name, e.ts, e.payload
        FROM stream_event e JOIN stream_log l ON l.stream_ns = e.stream_ns AND l.stream_key = e.stream_key
        WHERE e.stream_ns = $ns AND e.stream_key = $key AND e.seq > $after
        ORDER BY e.seq
        LIMIT $max
        """;

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _timeProvider;

    /// <summary>Keeps stream history in <paramref name="database"/>; new epochs come from the clock of <paramref name="timeProvider"/>.</summary>
    public SqliteEventLog(SqliteDatabase database, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _database = database;
        _timeProvider = timeProvider;
    }

    /// <inheritdoc/>
    public async Task<EventLogPosition> OpenAsync(StreamId streamId, CancellationToken cancellationToken = default)
    {
        Validate(streamId);
        // Nothing is written: the first append stores the log with the epoch handed out here.
        var existing = await _database.ReadAsync(session => Position(session, streamId), cancellationToken).ConfigureAwait(false);
        return existing ?? new EventLogPosition(StreamEpochs.Next(_timeProvider), 1, 0);
    }

    /// <inheritdoc/>
    public Task AppendAsync(StreamId streamId, IReadOnlyList<StreamEvent> events, CancellationToken cancellationToken = default)
    {
        Validate(streamId);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0) return Task.CompletedTask;
        EventLogBatch.Check(streamId, events);
        return _database.WriteAsync(session =>
        {
            var first = events[0].Position;
            var position = Position(session, streamId) ?? Create(session, streamId, first);
            if (first.Epoch != position.Epoch)
            {
                throw new EventLogConflictException($"Cannot append to stream {streamId}: the events belong to epoch {first.Epoch} but the log is at epoch {position.Epoch} (the stream was re-created).");
            }
            if (first.Sequence != position.LastSequence + 1)
            {
                throw new EventLogConflictException($"Cannot append to stream {streamId} at sequence {first.Sequence}: the log's last sequence is {position.LastSequence}, so the next must be {position.LastSequence + 1} (another writer appended first, or events were skipped).");
            }

            InsertEvents(session, streamId, events);
            return position.LastSequence + events.Count;
        }, cancellationToken);
    }

    /// <summary>The first append of a stream without a log row: stores the row with the events' epoch.</summary>
    private static EventLogPosition Create(SqliteSession session, StreamId streamId, EventPosition first)
    {
        if (first.Sequence != 1)
        {
            throw new EventLogConflictException($"Cannot append to stream {streamId} at sequence {first.Sequence}: it has no log, so the next must be 1 (the log was removed, or events were skipped).");
        }
        // Events can only be left over if someone removed the log row by hand; never let them
        // reappear under the new epoch.
        Keyed(session.Statement(DeleteEvents), streamId).Execute();
        Keyed(session.Statement(InsertLog), streamId).Bind(3, first.Epoch).Execute();
        StreamEpochs.KeepAbove(first.Epoch);
        return new EventLogPosition(first.Epoch, 1, 0);
    }

    /// <inheritdoc/>
    public async Task<long> TrimAsync(StreamId streamId, EventRetention retention, DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        Validate(streamId);
        ArgumentNullException.ThrowIfNull(retention);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        // The cut is found on a reader, beside the writes; a stale view only cuts less.
        var (position, keepFrom) = await _database.ReadAsync(session => (Position(session, streamId), KeepFrom(session, streamId, retention, now)), cancellationToken).ConfigureAwait(false);
        if (position is null || keepFrom is not { } cut) return 0;
        return await DeleteBeforeAsync(streamId, position, cut, batchSize, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<long> TrimBeforeAsync(StreamId streamId, long keepFrom, int batchSize, CancellationToken cancellationToken = default)
    {
        Validate(streamId);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var position = await _database.ReadAsync(session => Position(session, streamId), cancellationToken).ConfigureAwait(false);
        if (position is null) return 0;
        return await DeleteBeforeAsync(streamId, position, Math.Min(keepFrom, position.LastSequence + 1), batchSize, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the events before <paramref name="cut"/> in transactions of at most
    /// <paramref name="batchSize"/>, then gives back some free pages.</summary>
    private async Task<long> DeleteBeforeAsync(StreamId streamId, EventLogPosition position, long cut, int batchSize, CancellationToken cancellationToken)
    {
        if (cut <= position.FirstSequence) return 0;
        long deleted = 0;
        for (var from = position.FirstSequence; from < cut;)
        {
            var upTo = Math.Min(cut, from + batchSize);
            deleted += await _database.WriteAsync(session =>
            {
                // The range first: its last sequence comes from the newest event, which may be deleted next.
                Keyed(session.Statement(TrimRange), streamId).Bind(3, upTo).Execute();
                Keyed(session.Statement(DeleteEventsBefore), streamId).Bind(3, upTo).Execute();
                return (long)raw.sqlite3_changes(session.Connection.Handle);
            }, cancellationToken).ConfigureAwait(false);
            from = upTo;
        }
        // A short write per step, so that appends get in between; bounded, the next trim goes on.
        for (var step = 0; step < MaxReclaimSteps && await _database.ReclaimFreePagesAsync(ReclaimPages, cancellationToken).ConfigureAwait(false) > 0; step++)
        {
        }
        return deleted;
    }

    /// <summary>The first sequence <paramref name="retention"/> keeps, or null when the stream has no events.</summary>
    private static long? KeepFrom(SqliteSession session, StreamId streamId, EventRetention retention, DateTimeOffset now)
    {
        var (streamNamespace, key) = (streamId.Namespace(), streamId.Key());
        long? Scalar(string sql, string name, object value, string? name2 = null, object? value2 = null)
        {
            var command = session.Command(sql).With("$ns", streamNamespace).With("$key", key).With(name, value);
            if (name2 is not null) command.With(name2, value2!);
            return command.ExecuteScalar() is long sequence ? sequence : null;
        }

        long? keepFrom = null;
        var nthCounted = retention.CountsEveryEvent
            ? Scalar(NthNewest, "$n", retention.MaxEvents - 1)
            : Scalar(NthNewestCounted, "$n", retention.MaxEvents - 1, "$names", "," + string.Join(',', retention.CountedEvents) + ",");
        if (nthCounted is { } a) keepFrom = a;
        if (!retention.CountsEveryEvent && Scalar(NthNewest, "$n", retention.MaxTotalEvents - 1) is { } b) keepFrom = Math.Max(keepFrom ?? b, b);
        if (retention.OldestKept(now) is { } oldest)
        {
            var young = Scalar(OldestYoung, "$ts", oldest.UtcTicks);
            // Nothing young enough: cut after the newest event (none left; the row keeps the last sequence).
            var cut = young ?? (Scalar(NthNewest, "$n", 0L) is { } newest ? newest + 1 : null);
            if (cut is { } c) keepFrom = Math.Max(keepFrom ?? c, c);
        }
        return keepFrom;
    }

    /// <inheritdoc/>
    /// <remarks>One write transaction: the log row and every event go together, so an append (which
    /// runs on the same writer) sees either the whole log or none. New epochs stay above the deleted
    /// one in this process (<see cref="StreamEpochs"/>); after a restart they come from the clock.</remarks>
    public async Task<bool> DeleteAsync(StreamId streamId, CancellationToken cancellationToken = default)
    {
        Validate(streamId);
        var deleted = await _database.WriteAsync(session =>
        {
            Keyed(session.Statement(DeleteLog), streamId).Execute();
            var hadLog = raw.sqlite3_changes(session.Connection.Handle) > 0;
            Keyed(session.Statement(DeleteEvents), streamId).Execute();
            return hadLog;
        }, cancellationToken).ConfigureAwait(false);
        // A stream with many events frees pages: hand some back, as a trim does.
        for (var step = 0; deleted && step < MaxReclaimSteps && await _database.ReclaimFreePagesAsync(ReclaimPages, cancellationToken).ConfigureAwait(false) > 0; step++)
        {
        }
        return deleted;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<StreamId>> ListStreamsAsync(StreamId? after, int maxCount, CancellationToken cancellationToken = default)
    {
        if (maxCount <= 0) return Task.FromResult<IReadOnlyList<StreamId>>([]);
        return _database.ReadAsync<IReadOnlyList<StreamId>>(session =>
        {
            var command = session.Command(SelectStreams)
                .With("$first", after is null)
                .With("$ns", after?.Namespace() ?? "")
                .With("$key", after?.Key() ?? "")
                .With("$max", maxCount);
            using var reader = command.ExecuteReader();
            var streams = new List<StreamId>();
            while (reader.Read()) streams.Add(StreamIds.Create(reader.GetString(0), reader.GetString(1)));
            return streams;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<StreamEvent>> ReadAsync(StreamId streamId, long afterSequence, int maxCount, CancellationToken cancellationToken = default)
    {
        Validate(streamId);
        if (maxCount <= 0) return Task.FromResult<IReadOnlyList<StreamEvent>>([]);
        var streamNamespace = streamId.Namespace();
        var key = streamId.Key();
        return _database.ReadAsync<IReadOnlyList<StreamEvent>>(session =>
        {
            var command = session.Command(SelectEvents)
                .With("$ns", streamNamespace)
                .With("$key", key)
                .With("$after", afterSequence)
                .With("$max", maxCount);
            using var reader = command.ExecuteReader();
            var events = new List<StreamEvent>(Math.Min(maxCount, 256));
            while (reader.Read())
            {
                events.Add(new StreamEvent(
                    streamId,
                    new EventPosition(reader.GetInt64(0), reader.GetInt64(1)),
                    reader.GetString(2),
                    new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero),
                    reader.GetBlob(4)));
            }
            return events;
        }, cancellationToken);
    }

    private static void InsertEvents(SqliteSession session, StreamId streamId, IReadOnlyList<StreamEvent> events)
    {
        // One prepared statement for the whole batch; the stream's parameters stay bound.
        var insert = Keyed(session.Statement(InsertEvent), streamId);
        for (var i = 0; i < events.Count; i++)
        {
            var streamEvent = events[i];
            insert.Bind(3, streamEvent.Position.Sequence)
                .Bind(4, streamEvent.EventName)
                .Bind(5, streamEvent.Timestamp.UtcTicks)
                .Bind(6, streamEvent.Payload.Span)
                .Execute();
        }
    }

    private static EventLogPosition? Position(SqliteSession session, StreamId streamId)
    {
        var select = Keyed(session.Statement(SelectPosition), streamId);
        try
        {
            return select.Read() ? new EventLogPosition(select.GetInt64(0), select.GetInt64(1), select.GetInt64(2)) : null;
        }
        finally
        {
            select.Reset();
        }
    }

    // Orleans keeps a stream id's namespace and key as UTF-8: bound as they are, without a string in between.
    private static SqliteStatement Keyed(SqliteStatement statement, StreamId streamId)
        => statement.BindText(1, streamId.Namespace.Span).BindText(2, streamId.Key.Span);

    private static void Validate(StreamId streamId)
    {
        if (streamId.FullKey.IsEmpty) throw new ArgumentException("The stream id is the default (empty) value.", nameof(streamId));
    }
}
