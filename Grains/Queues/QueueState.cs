using System.Text.Json.Serialization;

namespace GrainStream.Grains.Queues;

/// <summary>What a message queue stores beside its message log (<see cref="QueueStreams.Messages"/>):
/// only bookkeeping, so a write costs what the operation changed, not the queue's depth. A message
/// (an event of the log, its sequence the id) is unacked unless its id is at most
/// <see cref="AckedThrough"/> or in <see cref="Acked"/>.</summary>
public sealed class QueueState
{
    /// <summary>The epoch of the message log this bookkeeping belongs to (0: none yet).</summary>
    public long Epoch { get; set; }

    /// <summary>Every id up to this one is acked (or moved to the dead-letter queue).</summary>
    public long AckedThrough { get; set; }

    /// <summary>Ranges of ids above <see cref="AckedThrough"/> that are acked, ascending.</summary>
    public List<AckedRange> Acked { get; set; } = [];

    /// <summary>The unacked messages delivered at least once: their count, and their consumer while in flight.</summary>
    public List<DeliveryRecord> Deliveries { get; set; } = [];

    /// <summary>Written before the message log existed: every unacked message with its body. Moved to
    /// the log on activation and never written again.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<QueuedMessage>? Messages { get; set; }
}
