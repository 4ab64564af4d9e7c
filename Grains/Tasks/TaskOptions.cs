namespace GrainStream.Grains.Tasks;

/// <summary>Task settings, bound from the configuration section <c>Tasks</c>.</summary>
public sealed class TaskOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Tasks";

    /// <summary>The lease a claim gets when the worker names none. Default 30 s.</summary>
    public TimeSpan DefaultLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest lease a claim may ask for, in seconds (1-3,600). A claim asking for
    /// more is refused (400), not shortened: a worker that planned for its lease must not lose
    /// the task early without knowing. Default 600 (10 min).</summary>
    public int MaxLeaseSeconds { get; set; } = 600;

    /// <summary>How long a finished (succeeded, failed or cancelled) task is kept: after that its
    /// state is deleted and it is 404. Default 7 days.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Period of the durable reminder that deletes a finished task once its retention has
    /// passed on the platform clock: a finished task's reminder fires this often (7 times in the
    /// default week) and a deletion may be this late. Default 1 day.</summary>
    public TimeSpan RetentionCheckPeriod { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The longest lease a claim may ask for.</summary>
    public TimeSpan MaxLease => TimeSpan.FromSeconds(MaxLeaseSeconds);

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
