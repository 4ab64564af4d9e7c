using Orleans.Runtime;

namespace GrainStream.Streams;

/// <summary>One event as it travels: the stream, its position, its name, when it was published,
/// and the payload as UTF-8 JSON, serialised once at publish and never again.</summary>
/// <param name="StreamId">The stream.</param>
/// <param name="Position">The event's position.</param>
/// <param name="EventName">The event's name (the SSE <c>event:</c>), e.g. <c>message</c>.</param>
/// <param name="Timestamp">When the stream's writer accepted it.</param>
/// <param name="Payload">The UTF-8 JSON payload. Never mutate it.</param>
[GenerateSerializer, Immutable, Alias("gs.StreamEvent")]
public sealed record StreamEvent(StreamId StreamId, EventPosition Position, string EventName, DateTimeOffset Timestamp, ReadOnlyMemory<byte> Payload);

/// <summary>Why a subscriber cannot get every event it asked for.</summary>
[GenerateSerializer, Alias("gs.StreamHistoryTruncationReason")]
public enum StreamHistoryTruncationReason
{
    /// <summary>The events after the requested position are older than the history the log keeps.</summary>
    OlderThanHistory,
    /// <summary>The requested position belongs to an earlier incarnation of the stream.</summary>
    EpochChanged,
    /// <summary>The requested position lies beyond the stream's last event.</summary>
    AheadOfStream,
}

/// <summary>The explicit signal that history no longer reaches back to the requested position.
/// It is delivered before any event that follows it, so a subscriber never sees a silent gap.</summary>
/// <param name="StreamId">The stream.</param>
/// <param name="Requested">The position the subscriber asked to continue after.</param>
/// <param name="FirstAvailable">The first event the subscriber will receive next (or the next one to be published).</param>
/// <param name="Reason">Why.</param>
[GenerateSerializer, Immutable, Alias("gs.StreamHistoryTruncated")]
public sealed record StreamHistoryTruncated(StreamId StreamId, EventPosition Requested, EventPosition FirstAvailable, StreamHistoryTruncationReason Reason);

/// <summary>A page of a stream's committed history.</summary>
/// <param name="Epoch">The stream's current incarnation.</param>
/// <param name="FirstSequence">The oldest retained sequence (LastSequence + 1 when none is retained).</param>
/// <param name="LastSequence">The last committed sequence.</param>
/// <param name="Events">The events read, oldest first.</param>
[GenerateSerializer, Immutable, Alias("gs.StreamHistoryPage")]
public sealed record StreamHistoryPage(long Epoch, long FirstSequence, long LastSequence, IReadOnlyList<StreamEvent> Events);
