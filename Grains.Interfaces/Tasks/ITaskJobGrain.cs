using System.Text.Json;

namespace GrainStream.Grains.Tasks;

/// <summary>One task (key: its id). Publishes <c>status</c> and <c>progress</c> on
/// <see cref="TaskStreams.Task"/> and <see cref="TaskStreams.Queue"/>. A finished task is deleted
/// after <c>Tasks:Retention</c> (a durable reminder).</summary>
public interface ITaskJobGrain : IGrainWithStringKey, IRemindable
{
    /// <summary>Creates the task and enqueues it; calling again returns the existing task.</summary>
    Task<TaskJobView> Create(CreateTaskCommand command);

    /// <summary>The task, or null when it was never created or was finished longer than the retention ago.</summary>
    [ReadOnly]
    Task<TaskJobView?> Get();

    /// <summary>Cancels a queued or running task; a finished task is returned unchanged. Null when unknown.</summary>
    Task<TaskJobView?> Cancel();

    /// <summary>Called by the queue when a worker claims the task; the view returned carries the
    /// attempt's new <see cref="TaskJobView.LeaseToken"/>.</summary>
    Task<TaskJobView?> Start(string worker, DateTimeOffset leaseExpiresAt);

    /// <summary>Progress from the lease holder (also renews the lease). The lease holder is the
    /// worker named at the claim presenting the claim's <paramref name="leaseToken"/>.</summary>
    Task<WorkerReportOutcome> ReportProgress(string worker, string? leaseToken, int percent, string? message);

    /// <summary>Success from the lease holder.</summary>
    Task<WorkerReportOutcome> Complete(string worker, string? leaseToken, JsonElement? result);

    /// <summary>Failure from the lease holder: retried while attempts remain, else failed.</summary>
    Task<WorkerReportOutcome> Fail(string worker, string? leaseToken, string error);

    /// <summary>Called by the queue when the lease of <paramref name="worker"/> expired: retried while attempts remain, else failed.</summary>
    Task LeaseExpired(string worker);
}
