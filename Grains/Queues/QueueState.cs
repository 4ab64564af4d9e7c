namespace GrainStream.Grains.Queues;

/// <summary>What a message queue stores: every unacked message, oldest first.</summary>
public sealed class QueueState
{
    /// <summary>The id the next message gets.</summary>
    public long NextId { get; set; } = 1;

    /// <summary>The unacked messages in id order.</summary>
    public List<QueuedMessage> Messages { get; set; } = [];
}
