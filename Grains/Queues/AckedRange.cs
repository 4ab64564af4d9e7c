namespace GrainStream.Grains.Queues;

/// <summary>Consecutive acked message ids, <see cref="From"/> to <see cref="To"/> inclusive.</summary>
public sealed class AckedRange
{
    /// <summary>The first acked id.</summary>
    public long From { get; set; }

    /// <summary>The last acked id.</summary>
    public long To { get; set; }
}
