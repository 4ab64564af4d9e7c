namespace GrainStream.Grains.Tasks;

/// <summary>The persistent state of a <see cref="TaskJobGrain"/>.</summary>
public sealed class TaskJobState
{
    /// <summary>The task as clients see it; null until it is created.</summary>
    public TaskJobView? Job { get; set; }

    /// <summary>The lease length granted at the current claim, used to renew the lease on progress.</summary>
    public TimeSpan LeaseLength { get; set; }

    /// <summary>The token of the current attempt's lease, handed to the claiming worker only; null
    /// when no attempt runs (and in states stored before lease tokens, whose running attempt is
    /// then proven by the worker's name alone).</summary>
    public string? LeaseToken { get; set; }
}
