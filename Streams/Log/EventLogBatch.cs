using Orleans.Runtime;

namespace GrainStream.Streams;

/// <summary>What every <see cref="IEventLog"/> checks of an append before it touches its store.</summary>
public static class EventLogBatch
{
    /// <summary>Throws unless <paramref name="events"/> all belong to <paramref name="streamId"/>, share
    /// one epoch and have consecutive sequences (<see cref="ArgumentException"/> for a malformed batch,
    /// <see cref="EventLogConflictException"/> for positions that cannot continue any log).</summary>
    public static void Check(StreamId streamId, IReadOnlyList<StreamEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0) return;
        var first = (events[0] ?? throw new ArgumentException("Event 0 of the batch is null.", nameof(events))).Position;
        for (var i = 0; i < events.Count; i++)
        {
            var streamEvent = events[i] ?? throw new ArgumentException($"Event {i} of the batch is null.", nameof(events));
            if (streamEvent.StreamId != streamId)
            {
                throw new ArgumentException($"Event {i} of the batch belongs to stream {streamEvent.StreamId}, not {streamId}.", nameof(events));
            }
            if (streamEvent.Position.Epoch != first.Epoch)
            {
                throw new EventLogConflictException($"Cannot append to stream {streamId}: event {i} of the batch has epoch {streamEvent.Position.Epoch} but the first has epoch {first.Epoch}.");
            }
            if (streamEvent.Position.Sequence != first.Sequence + i)
            {
                throw new EventLogConflictException($"Cannot append to stream {streamId}: event {i} of the batch has sequence {streamEvent.Position.Sequence} but must have {first.Sequence + i}; sequences must be consecutive.");
            }
            ArgumentNullException.ThrowIfNull(streamEvent.EventName, nameof(events));
        }
    }
}
