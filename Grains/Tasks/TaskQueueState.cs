namespace GrainStream.Grains.Tasks;

/// <summary>The persistent state of a <see cref="TaskQueueGrain"/>.</summary>
public sealed class TaskQueueState
{
    /// <summary>Tasks waiting for a worker, oldest first.</summary>
    public List<PendingTask> Pending { get; set; } = [];

    /// <summary>Tasks held by workers, by task id.</summary>
    public Dictionary<string, TaskLease> Leases { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A task waiting in a queue.</summary>
public sealed class PendingTask
{
    /// <summary>The task id.</summary>
    public string Id { get; set; } = "";

    /// <summary>The task type, matched against the types a worker claims.</summary>
    public string Type { get; set; } = "";
}

/// <summary>A worker's hold on a task.</summary>
public sealed class TaskLease
{
    /// <summary>The worker.</summary>
    public string Worker { get; set; } = "";

    /// <summary>When the lease ends unless renewed.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>The length granted at the claim.</summary>
    public TimeSpan Length { get; set; }
}
