namespace GrainStream.Grains.Tasks;

/// <summary>Task settings, bound from the configuration section <c>Tasks</c>.</summary>
public sealed class TaskOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Tasks";

    /// <summary>The lease a claim gets when the worker names none. Default 30 s.</summary>
    public TimeSpan DefaultLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts of a task whose creator names none. Default 3.</summary>
    public int DefaultMaxAttempts { get; set; } = 3;

    /// <summary>Tasks a queue holds, waiting or leased; creating one more is refused with
    /// <see cref="InvalidOperationException"/> (the API's 409), as a full message queue refuses
    /// (<c>Queues:MaxDepth</c>). A task already in the queue, going back after a failed attempt or
    /// an expired lease, is never refused. Default 10,000, the message queues' depth.</summary>
    public int MaxQueueDepth { get; set; } = 10_000;

    /// <summary>Runs the in-process worker for the <c>demo.*</c> task types. Default true.</summary>
    public bool DemoWorker { get; set; } = true;

    /// <summary>Demo tasks run at the same time by one process. Default 2.</summary>
    public int DemoWorkerConcurrency { get; set; } = 2;

    /// <summary>The queue the demo worker claims from. Default <c>default</c>.</summary>
    public string DemoQueue { get; set; } = TaskStreams.DefaultQueue;

    /// <summary>How long the demo worker waits before asking again when nothing is pending (it
    /// also wakes up at once when a task is queued). Default 250 ms.</summary>
    public TimeSpan DemoPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a queue with leases looks for expired ones. Default 250 ms.</summary>
    public TimeSpan LeaseCheckInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Period of the durable reminder that brings a queue with leases back after a silo
    /// restart, so that no task is stranded. Default 1 min.</summary>
    public TimeSpan LeaseReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);
}
