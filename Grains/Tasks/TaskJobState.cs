namespace GrainStream.Grains.Tasks;

/// <summary>The persistent state of a <see cref="TaskJobGrain"/>.</summary>
public sealed class TaskJobState
{
    /// <summary>The task as clients see it; null until it is created.</summary>
    public TaskJobView? Job { get; set; }

    /// <summary>The lease length granted at the current claim, used to renew the lease on progress.</summary>
    public TimeSpan LeaseLength { get; set; }
}
