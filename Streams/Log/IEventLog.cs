using Orleans.Runtime;

namespace GrainStream.Streams;

/// <summary>The durable history of streams: the events of each stream in sequence order, trimmed
/// to a retention limit. A stream's single writer appends; anyone may read. GrainStream's providers
/// implement it on SQLite (embedded) and PostgreSQL (cluster); <see cref="MemoryEventLog"/> is for tests.</summary>
public interface IEventLog
{
    /// <summary>Describes the stream's log, creating it (with a new epoch) when it does not exist.</summary>
    Task<EventLogPosition> OpenAsync(StreamId streamId, CancellationToken cancellationToken = default);

    /// <summary>Appends events that continue the log: their sequences are consecutive and the first
    /// is the log's last sequence + 1, all with the log's epoch. Anything else (another writer got
    /// there first) throws <see cref="EventLogConflictException"/> and appends nothing.</summary>
    Task AppendAsync(StreamId streamId, IReadOnlyList<StreamEvent> events, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="maxCount"/> retained events with sequence greater than
    /// <paramref name="afterSequence"/>, oldest first.</summary>
    Task<IReadOnlyList<StreamEvent>> ReadAsync(StreamId streamId, long afterSequence, int maxCount, CancellationToken cancellationToken = default);
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
