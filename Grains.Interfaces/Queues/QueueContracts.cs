using System.Text.Json;
using GrainStream.Streams;

namespace GrainStream.Grains.Queues;

/// <summary>Payload of the <c>message</c> event to one consumer.</summary>
/// <param name="Id">The message id (per queue, increasing).</param>
/// <param name="Body">The body as posted.</param>
/// <param name="Redelivered">True when delivered before and not acked in time.</param>
/// <param name="DeliveryCount">How many times it was delivered, this one included.</param>
/// <param name="EnqueuedAt">When it was posted.</param>
/// <param name="Receipt">Proof of this delivery attempt (unguessable, new per delivery): ack, nack and
/// extend take it. A resent copy of the same delivery (after a reconnect) has the same receipt.</param>
[GenerateSerializer, Immutable]
[StreamEventName("message")]
public sealed record QueueDelivery(long Id, JsonElement Body, bool Redelivered, int DeliveryCount, DateTimeOffset EnqueuedAt, string? Receipt = null);

/// <summary>The answer to an ack, nack or extend: what was settled, and what the consumer named
/// but does not hold (never delivered to it, acked already, or its visibility timeout passed and the
/// message was taken back).</summary>
/// <param name="Settled">Messages acked, nacked or extended.</param>
/// <param name="NotHeldIds">The ids named that the consumer does not hold.</param>
/// <param name="NotHeldReceipts">The receipts named that are not a current delivery to the consumer.</param>
[GenerateSerializer, Immutable]
public sealed record QueueSettlement(int Settled, IReadOnlyList<long> NotHeldIds, IReadOnlyList<string> NotHeldReceipts)
{
    /// <summary>True when everything named was held (and so settled).</summary>
    public bool AllHeld => NotHeldIds.Count == 0 && NotHeldReceipts.Count == 0;
}

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

    /// <summary>The namespace of <see cref="Messages"/> streams.</summary>
    public const string MessagesKind = "queue-messages";

    /// <summary>The queue's own durable log of its messages, one <c>message</c> event per enqueue (the
    /// event's sequence is the message's id). Private to the queue: consumers read
    /// <see cref="Consumer"/>, and only the queue trims it, of what is acked.</summary>
    public static StreamId Messages(string queue) => StreamIds.Create(MessagesKind, queue);

    /// <summary>The suffix of a dead-letter queue's name.</summary>
    public const string DeadLetterSuffix = ".dead";

    /// <summary>The dead-letter queue of <paramref name="queue"/>: <c>{queue}.dead</c>; null when the
    /// queue is itself a dead-letter queue (no chains of them) or when the name would exceed the
    /// 128 characters of a key (such a queue keeps redelivering instead).</summary>
    public static string? DeadLetterQueue(string queue)
        => queue.EndsWith(DeadLetterSuffix, StringComparison.Ordinal) || queue.Length + DeadLetterSuffix.Length > EntityKey.MaxLength ? null : queue + DeadLetterSuffix;
}
