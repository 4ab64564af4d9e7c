using System.Text.Json;
using GrainStream.Streams;

namespace GrainStream.Grains.Queues;

/// <summary>Payload of the <c>message</c> event to one consumer.</summary>
/// <param name="Id">The message id (per queue, increasing).</param>
/// <param name="Body">The body as posted.</param>
/// <param name="Redelivered">True when delivered before and not acked in time.</param>
/// <param name="DeliveryCount">How many times it was delivered, this one included.</param>
/// <param name="EnqueuedAt">When it was posted.</param>
[GenerateSerializer, Immutable]
[StreamEventName("message")]
public sealed record QueueDelivery(long Id, JsonElement Body, bool Redelivered, int DeliveryCount, DateTimeOffset EnqueuedAt);

/// <summary>Queue counts.</summary>
/// <param name="Queue">The queue.</param>
/// <param name="Depth">Messages not yet acked (waiting or in flight).</param>
/// <param name="InFlight">Delivered, not yet acked, visibility timeout running.</param>
/// <param name="Consumers">Connected consumers.</param>
[GenerateSerializer, Immutable]
public sealed record QueueStats(string Queue, int Depth, int InFlight, IReadOnlyList<string> Consumers);

/// <summary>The streams of message queues.</summary>
public static class QueueStreams
{
    /// <summary>Deliveries to one consumer of a queue.</summary>
    public static StreamId Consumer(string queue, string consumer) => StreamIds.Create("queue", $"{queue}/{consumer}");
}
