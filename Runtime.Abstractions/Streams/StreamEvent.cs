namespace GrainStream.Streams;

/// <summary>One event as it travels: the stream, its position, its name, when it was published,
/// and the payload as UTF-8 JSON, serialised once at publish and never again.</summary>
/// <param name="StreamId">The stream.</param>
/// <param name="Token">The event's position.</param>
/// <param name="EventName">The event's name (the SSE <c>event:</c>), e.g. <c>message</c>.</param>
/// <param name="Timestamp">When the stream's writer accepted it.</param>
/// <param name="Payload">The UTF-8 JSON payload. Never mutate it.</param>
[Immutable]
public sealed record StreamEvent(StreamId StreamId, StreamSequenceToken Token, string EventName, DateTimeOffset Timestamp, ReadOnlyMemory<byte> Payload);

/// <summary>Why a subscriber cannot get every event it asked for.</summary>
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
[Immutable]
public sealed record StreamHistoryTruncated(StreamId StreamId, StreamSequenceToken Requested, StreamSequenceToken FirstAvailable, StreamHistoryTruncationReason Reason);
