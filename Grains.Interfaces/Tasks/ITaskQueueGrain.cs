namespace GrainStream.Grains.Tasks;

/// <summary>The pending and leased tasks of one queue (key: the queue name). Expired leases are
/// found by a durable reminder, so a task is never stranded by a restart.</summary>
public interface ITaskQueueGrain : IGrainWithStringKey, IRemindable
{
    /// <summary>Adds a task at the back.</summary>
    Task Enqueue(string taskId, string type);

    /// <summary>Gives the oldest pending task of one of <paramref name="types"/> (any when null or
    /// empty) to <paramref name="worker"/> for <paramref name="lease"/>; null when none.</summary>
    Task<TaskJobView?> Claim(string worker, IReadOnlyList<string>? types, TimeSpan lease);

    /// <summary>Extends the lease of a running task.</summary>
    Task RenewLease(string taskId, DateTimeOffset leaseExpiresAt);

    /// <summary>Forgets a task (finished or cancelled).</summary>
    Task Remove(string taskId);

    /// <summary>Counts.</summary>
    [ReadOnly]
    Task<TaskQueueStats> GetStats();
}
