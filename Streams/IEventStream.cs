using Orleans.Runtime;

namespace GrainStream.Streams;

/// <summary>A GrainStream stream as envelopes with UTF-8 JSON payloads, beside Orleans'
/// <c>IAsyncStream&lt;T&gt;</c> view of it: what an SSE relay or a grain reading its own history
/// needs. Every <c>IAsyncStream&lt;T&gt;</c> of a <see cref="GrainStreamProvider"/> is one.</summary>
public interface IEventStream
{
    /// <summary>The stream.</summary>
    StreamId StreamId { get; }

    /// <summary>Publishes a payload that is already UTF-8 JSON; returns its position once it is in
    /// the stream's durable log and on its way to every subscriber. With <paramref name="expected"/>
    /// it fails with <see cref="StreamPositionConflictException"/> unless the event takes exactly
    /// that position.</summary>
    Task<EventPosition> PublishAsync(string eventName, ReadOnlyMemory<byte> utf8JsonPayload, EventPosition? expected = null);

    /// <summary>The stream's last committed position (sequence 0 when nothing was published yet).</summary>
    Task<EventPosition> GetLastPositionAsync();

    /// <summary>Deletes the stream's durable history (events, epoch and range), for an entity that is
    /// itself being deleted; returns whether there was any. Publishes that have not completed fail.
    /// Subscribers do not end: they are told to subscribe again, and since the stream's next
    /// incarnation has a new epoch they get the history-truncated signal
    /// (<see cref="StreamHistoryTruncationReason.EpochChanged"/>; an SSE client a <c>reset</c>) and
    /// whatever is published from then on. A stream that is deleted and then published to again
    /// starts a new log, so the deleting grain stops publishing first.</summary>
    Task<bool> DeleteAsync();

    /// <summary>How many subscriptions the stream's hub holds now, across all processes (a
    /// publisher that only works while someone listens, such as a log watcher, asks this).</summary>
    Task<int> GetSubscriberCountAsync();

    /// <summary>Reads committed history: up to <paramref name="maxCount"/> events after
    /// <paramref name="afterSequence"/>, oldest first, with where the retained history starts and ends.</summary>
    Task<StreamHistoryPage> ReadAsync(long afterSequence, int maxCount);
}
