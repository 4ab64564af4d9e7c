using System.Text.Json;

namespace GrainStream.Grains.Queues;

/// <summary>A message not yet acked: waiting (no consumer) or in flight to one consumer. Held in the
/// queue's memory (its body comes from the message log); stored whole only by queues written before the log.</summary>
public sealed class QueuedMessage
{
    /// <summary>Per-queue id, increasing.</summary>
    public long Id { get; set; }

    /// <summary>The body as posted.</summary>
    public JsonElement Body { get; set; }

    /// <summary>When it was enqueued.</summary>
    public DateTimeOffset EnqueuedAt { get; set; }

    /// <summary>How many times it was delivered.</summary>
    public int DeliveryCount { get; set; }

    /// <summary>The consumer it is in flight to; null while it waits.</summary>
    public string? Consumer { get; set; }

    /// <summary>When an unacked delivery times out and the message becomes visible again.</summary>
    public DateTimeOffset? InvisibleUntil { get; set; }

    /// <summary>The receipt of the delivery in flight (new per delivery); null while the message waits
    /// (and for a delivery stored before receipts existed, which is then acked by id only).</summary>
    public string? Receipt { get; set; }
}
