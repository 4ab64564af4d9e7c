using GrainStream.Streams;
using Microsoft.Data.Sqlite;
using Orleans.Runtime;

namespace GrainStream.Persistence.Sqlite;

/// <summary>Stream history in a <see cref="SqliteDatabase"/>: one <c>stream_log</c> row per stream
/// (its epoch and retained range) and one <c>stream_event</c> row per retained event. A stream is keyed
/// by its namespace and its key as text.</summary>
/// <remarks>
/// <para>A new stream's epoch is the current unix time in milliseconds, raised when needed so that it is
/// greater than every epoch this process handed out or found in the file. It is stored, so an existing
/// stream keeps its epoch across restarts and positions held by clients stay valid.</para>
/// <para>An append is one write transaction however many events it carries: callers batch (group
/// commit) and pay for one commit per batch. It writes only the events' rows: the stream's last
/// sequence is its newest event's, so the <c>stream_log</c> row changes only when the stream is
/// trimmed (and then records the last sequence, which the row keeps should no event be left). That is
/// one WAL frame less per commit: a one-event append made 5.4 writes to the WAL instead of 7.4.</para>
/// <para>Retention: once a stream holds more than <see cref="SqliteStorageOptions.MaxEventsPerStream"/>
/// plus a tenth, the append cuts it back to exactly <see cref="SqliteStorageOptions.MaxEventsPerStream"/>
/// with one range delete and advances the first sequence. Trimming in bulk means a steadily growing
/// stream pays for a delete once per tenth of its retention instead of on every append; the price is
/// that a stream may hold up to 10% more than the limit. Events of a batch that would be trimmed at
/// once are not written at all.</para>
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
    private const string UpdateRange = "UPDATE stream_log SET first_seq = ?3, last_seq = ?4 WHERE stream_ns = ?1 AND stream_key = ?2";
    private const string InsertLog = "INSERT INTO stream_log (stream_ns, stream_key, epoch, first_seq, last_seq) VALUES (?1, ?2, ?3, 1, 0)";
    private const string DeleteEvents = "DELETE FROM stream_event WHERE stream_ns = ?1 AND stream_key = ?2";
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
    private readonly long _maxEvents;
    private readonly long _trimThreshold;

    /// <summary>Keeps stream history in <paramref name="database"/>; new epochs come from the clock of <paramref name="timeProvider"/>.</summary>
    public SqliteEventLog(SqliteDatabase database, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _database = database;
        _timeProvider = timeProvider;
        _maxEvents = database.MaxEventsPerStream;
        _trimThreshold = _maxEvents + _maxEvents / 10;
    }

    /// <inheritdoc/>
    public async Task<EventLogPosition> OpenAsync(StreamId streamId, CancellationToken cancellationToken = default)
    {
        Validate(streamId);
        // Streams are opened far more often than created: look first without queuing behind writers.
        var existing = await _database.ReadAsync(session => Position(session, streamId), cancellationToken).ConfigureAwait(false);
        if (existing is not null) return existing;
        return await _database.WriteAsync(session =>
        {
            if (Position(session, streamId) is { } position) return position;
            var epoch = StreamEpochs.Next(_timeProvider);
            // Events can only be left over if someone removed the log row by hand; never let them
            // reappear under the new epoch.
            Keyed(session.Statement(DeleteEvents), streamId).Execute();
            Keyed(session.Statement(InsertLog), streamId).Bind(3, epoch).Execute();
            return new EventLogPosition(epoch, 1, 0);
        }, cancellationToken).ConfigureAwait(false);
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
            var position = Position(session, streamId)
                ?? throw new EventLogConflictException($"Cannot append to stream {streamId}: it has no log (it was never opened, or was removed).");
            var first = events[0].Position;
            if (first.Epoch != position.Epoch)
            {
                throw new EventLogConflictException($"Cannot append to stream {streamId}: the events belong to epoch {first.Epoch} but the log is at epoch {position.Epoch} (the stream was re-created).");
            }
            if (first.Sequence != position.LastSequence + 1)
            {
                throw new EventLogConflictException($"Cannot append to stream {streamId} at sequence {first.Sequence}: the log's last sequence is {position.LastSequence}, so the next must be {position.LastSequence + 1} (another writer appended first, or events were skipped).");
            }

            var last = position.LastSequence + events.Count;
            var firstRetained = last - position.FirstSequence + 1 > _trimThreshold ? last - _maxEvents + 1 : position.FirstSequence;
            InsertEvents(session, streamId, events, firstRetained);
            if (firstRetained > position.FirstSequence)
            {
                Keyed(session.Statement(DeleteEventsBefore), streamId).Bind(3, firstRetained).Execute();
                Keyed(session.Statement(UpdateRange), streamId).Bind(3, firstRetained).Bind(4, last).Execute();
            }
            return last;
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

    private static void InsertEvents(SqliteSession session, StreamId streamId, IReadOnlyList<StreamEvent> events, long firstRetained)
    {
        // One prepared statement for the whole batch; the stream's parameters stay bound.
        var insert = Keyed(session.Statement(InsertEvent), streamId);
        for (var i = 0; i < events.Count; i++)
        {
            var streamEvent = events[i];
            if (streamEvent.Position.Sequence < firstRetained) continue;
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
