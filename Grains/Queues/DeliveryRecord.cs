namespace GrainStream.Grains.Queues;

/// <summary>The stored delivery state of one unacked message that was delivered at least once.</summary>
public sealed class DeliveryRecord
{
    /// <summary>The message's id.</summary>
    public long Id { get; set; }

    /// <summary>How many times it was delivered.</summary>
    public int DeliveryCount { get; set; }

    /// <summary>The consumer it is in flight to; null while it waits to be delivered again.</summary>
    public string? Consumer { get; set; }

    /// <summary>When the delivery in flight times out.</summary>
    public DateTimeOffset? InvisibleUntil { get; set; }

    /// <summary>The receipt of the delivery in flight.</summary>
    public string? Receipt { get; set; }
}
