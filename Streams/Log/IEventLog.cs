using Orleans.Runtime;

namespace GrainStream.Streams;

/// <summary>The durable history of streams: the events of each stream in sequence order, trimmed
/// by <see cref="TrimAsync"/> to a retention. A stream's single writer appends; anyone may read. GrainStream's providers
/// implement it on SQLite (embedded) and PostgreSQL (cluster); <see cref="MemoryEventLog"/> is for tests.</summary>
/// <remarks>A stream has a stored log only from its first append on: opening a stream that has none
/// hands out a new epoch and stores nothing, so streams that are only opened or read (an empty room,
/// an unknown log file, an idle queue consumer) leave nothing behind. Reading such a stream is reading
/// an empty stream at position 0.</remarks>
public interface IEventLog
{
    /// <summary>Describes the stream's log. A stream without one gets a new epoch (larger than any
    /// handed out before) at position 0, which is stored by the first append.</summary>
    Task<EventLogPosition> OpenAsync(StreamId streamId, CancellationToken cancellationToken = default);

    /// <summary>Appends events that continue the log: their sequences are consecutive and the first
    /// is the log's last sequence + 1, all with the log's epoch; the first append to a stream without
    /// a log (at sequence 1) creates it with the events' epoch. Anything else (another writer got
    /// there first) throws <see cref="EventLogConflictException"/> and appends nothing.</summary>
    Task AppendAsync(StreamId streamId, IReadOnlyList<StreamEvent> events, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="maxCount"/> retained events with sequence greater than
    /// <paramref name="afterSequence"/>, oldest first.</summary>
    Task<IReadOnlyList<StreamEvent>> ReadAsync(StreamId streamId, long afterSequence, int maxCount, CancellationToken cancellationToken = default);

    /// <summary>Deletes the oldest events of the stream that <paramref name="retention"/> does not keep
    /// at <paramref name="now"/> (always a prefix: the retained range stays contiguous and its first
    /// sequence moves past them), at most <paramref name="batchSize"/> per transaction; returns how many
    /// it deleted. The stream's last sequence and epoch stay, even when no event is left.</summary>
    Task<long> TrimAsync(StreamId streamId, EventRetention retention, DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default);

    /// <summary>Deletes the stream's events with a sequence below <paramref name="keepFrom"/> (a prefix,
    /// as <see cref="TrimAsync"/> does), at most <paramref name="batchSize"/> per transaction; returns how
    /// many it deleted. For a writer that knows which of its events it is done with (a message queue
    /// drops its acked messages); a cut past the last sequence cuts only to it. The stream's last
    /// sequence and epoch stay.</summary>
    Task<long> TrimBeforeAsync(StreamId streamId, long keepFrom, int batchSize, CancellationToken cancellationToken = default);

    /// <summary>Deletes the stream's log: its events and its epoch and range, so the stream stores
    /// nothing any more (as if it had never been appended to); returns whether it had a log. Opening it
    /// afterwards hands out a new, larger epoch, so positions held from before are recognised as
    /// belonging to an earlier incarnation. An append that continues the deleted log is refused with
    /// <see cref="EventLogConflictException"/>; only an append at sequence 1 starts a new log.</summary>
    Task<bool> DeleteAsync(StreamId streamId, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="maxCount"/> streams that have a stored log, in a stable order,
    /// after <paramref name="after"/> (null: from the first); for sweeps over every stream.</summary>
    Task<IReadOnlyList<StreamId>> ListStreamsAsync(StreamId? after, int maxCount, CancellationToken cancellationToken = default);
}

/// <summary>Where a stream's log stands.</summary>
/// <param name="Epoch">The incarnation of the stream; a new log gets a new, larger epoch.</param>
/// <param name="FirstSequence">The oldest retained sequence (LastSequence + 1 when nothing is retained).</param>
/// <param name="LastSequence">The last appended sequence (0 when none).</param>
public sealed record EventLogPosition(long Epoch, long FirstSequence, long LastSequence);

/// <summary>An append did not continue the log where it stands: it would reuse a sequence number or
/// leave a gap. Nothing was appended.</summary>
[GenerateSerializer, Alias("gs.EventLogConflictException")]
public sealed class EventLogConflictException(string message) : Exception(message);
