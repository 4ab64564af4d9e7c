using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainStream.Grains.Tasks;

/// <summary>The pending and leased tasks of one queue (key: the queue name).</summary>
/// <remarks>
/// Reentrant, so that its jobs can call it (Enqueue, RenewLease, Remove) while it awaits one of
/// them (Start, LeaseExpired) without a deadlock. Every method therefore changes the in-memory
/// state before its first await, and writes go through one gate so that they reach storage one
/// after the other, each with everything changed until then.
/// Leases are checked by a timer while any exist, and by a durable reminder that reactivates the
/// queue after a silo restart. A lease is dropped only after its job confirmed the expiry, so a
/// lost call never strands a task: the lease simply expires again.
/// </remarks>
[Reentrant]
public sealed class TaskQueueGrain(
    [FromKeyedServices(PlatformClock.Key)] TimeProvider time,
    IOptions<TaskOptions> options, ILogger<TaskQueueGrain> logger, [PersistentState("state")] IPersistentState<TaskQueueState> state)
    : Grain, ITaskQueueGrain
{
    private const string ReminderName = "lease-check";

    private readonly TaskOptions _options = options.Value;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SemaphoreSlim _reminderGate = new(1, 1);
    private readonly HashSet<string> _expiring = new(StringComparer.Ordinal);
    private IGrainTimer? _leaseTimer;
    private bool _reminderRegistered;

    private List<PendingTask> Pending => state.State.Pending;

    private Dictionary<string, TaskLease> Leases => state.State.Leases;

    /// <inheritdoc/>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Leases.Count > 0) await WatchLeasesAsync();
    }

    /// <inheritdoc/>
    public async Task Enqueue(string taskId, string type)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        ArgumentException.ThrowIfNullOrEmpty(type);
        var waiting = Pending.Exists(p => p.Id == taskId);
        if (!waiting && !Leases.ContainsKey(taskId) && Pending.Count + Leases.Count >= _options.MaxQueueDepth)
        {
            // Only new tasks are refused: one coming back from a lease is already counted.
            throw new InvalidOperationException($"Task queue '{this.GetPrimaryKeyString()}' is full: it holds {_options.MaxQueueDepth} tasks.");
        }
        // Back in the queue means no longer leased; a task already waiting keeps its place.
        var changed = Leases.Remove(taskId);
        if (!waiting)
        {
            Pending.Add(new PendingTask { Id = taskId, Type = type });
            changed = true;
        }
        if (changed) await SaveAsync();
    }

    /// <inheritdoc/>
    public async Task<TaskJobView?> Claim(string worker, IReadOnlyList<string>? types, TimeSpan lease)
    {
        EntityKey.Require(worker, "worker");
        TaskRules.RequireLease(lease, _options.MaxLease);
        HashSet<string>? wanted = null;
        if (types is { Count: > 0 })
        {
            wanted = new HashSet<string>(StringComparer.Ordinal);
            foreach (var type in types) wanted.Add(TaskRules.RequireType(type, "types"));
        }

        while (true)
        {
            var index = wanted is null ? (Pending.Count > 0 ? 0 : -1) : Pending.FindIndex(p => wanted.Contains(p.Type));
            if (index < 0) return null;
            var candidate = Pending[index];
            Pending.RemoveAt(index);
            var claimed = new TaskLease { Worker = worker, ExpiresAt = time.GetUtcNow() + lease, Length = lease };
            Leases[candidate.Id] = claimed;
            // The lease is stored before the job hears of it: if anything fails from here on, the
            // lease expires and the job is retried or put back, never stranded.
            await SaveAsync();
            await WatchLeasesAsync();
            var job = await GrainFactory.GetGrain<ITaskJobGrain>(candidate.Id).Start(worker, claimed.ExpiresAt);
            if (job is not null) return job;

            // Cancelled (or never created) meanwhile: drop it and look further.
            if (Leases.TryGetValue(candidate.Id, out var current) && ReferenceEquals(current, claimed))
            {
                Leases.Remove(candidate.Id);
                await SaveAsync();
            }
        }
    }

    /// <inheritdoc/>
    public Task RenewLease(string taskId, DateTimeOffset leaseExpiresAt)
    {
        // Not written: after a restart an older expiry only makes the job confirm its lease again.
        if (Leases.TryGetValue(taskId, out var lease) && leaseExpiresAt > lease.ExpiresAt) lease.ExpiresAt = leaseExpiresAt;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task Remove(string taskId)
    {
        var removed = Leases.Remove(taskId) | Pending.RemoveAll(p => p.Id == taskId) > 0;
        if (removed) await SaveAsync();
    }

    /// <inheritdoc/>
    public Task<TaskQueueStats> GetStats() => Task.FromResult(new TaskQueueStats(this.GetPrimaryKeyString(), Pending.Count, Leases.Count));

    /// <inheritdoc/>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName) return;
        // It fires, so it is registered (perhaps by an earlier activation): let the check remove it when idle.
        _reminderRegistered = true;
        await CheckLeasesAsync();
    }

    /// <summary>Starts the lease timer and the reminder when leases exist.</summary>
    private async Task WatchLeasesAsync()
    {
        _leaseTimer ??= this.RegisterGrainTimer(_ => CheckLeasesAsync(), new GrainTimerCreationOptions(_options.LeaseCheckInterval, _options.LeaseCheckInterval) { KeepAlive = true });
        await SyncReminderAsync();
    }

    /// <summary>Hands expired leases to their jobs; stops watching once no lease is left.</summary>
    private async Task CheckLeasesAsync()
    {
        var now = time.GetUtcNow();
        var expired = new List<(string Id, TaskLease Lease)>();
        foreach (var (id, lease) in Leases)
        {
            if (lease.ExpiresAt <= now && _expiring.Add(id)) expired.Add((id, lease));
        }
        if (expired.Count > 0)
        {
            var dropped = await Task.WhenAll(expired.Select(e => ExpireAsync(e.Id, e.Lease)));
            if (dropped.Any(d => d)) await SaveAsync();
        }
        if (Leases.Count == 0)
        {
            _leaseTimer?.Dispose();
            _leaseTimer = null;
            await SyncReminderAsync();
        }
        else
        {
            await WatchLeasesAsync();
        }
    }

    /// <summary>Tells the job; drops the lease when the job has dealt with it (it may have re-enqueued
    /// the task, removed it, or said the lease was renewed after all).</summary>
    private async Task<bool> ExpireAsync(string taskId, TaskLease lease)
    {
        try
        {
            await GrainFactory.GetGrain<ITaskJobGrain>(taskId).LeaseExpired(lease.Worker);
            if (Leases.TryGetValue(taskId, out var current) && current.Worker == lease.Worker && current.ExpiresAt <= time.GetUtcNow())
            {
                Leases.Remove(taskId);
                return true;
            }
            return false;
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Telling task {TaskId} that the lease of {Worker} expired failed; retrying", taskId, lease.Worker);
            return false;
        }
        finally
        {
            _expiring.Remove(taskId);
        }
    }

    /// <summary>Registers the reminder while leases exist and removes it when none is left; one change at a time.</summary>
    private async Task SyncReminderAsync()
    {
        await _reminderGate.WaitAsync();
        try
        {
            var wanted = Leases.Count > 0;
            if (wanted == _reminderRegistered) return;
            if (wanted) await this.RegisterOrUpdateReminder(ReminderName, _options.LeaseReminderPeriod, _options.LeaseReminderPeriod);
            else await this.UnregisterReminderIfAny(ReminderName);
            _reminderRegistered = wanted;
        }
        catch (Exception exception)
        {
            // Not fatal: the lease timer runs meanwhile and its next tick tries again.
            logger.LogWarning(exception, "Updating the lease reminder of queue {Queue} failed; retrying", this.GetPrimaryKeyString());
        }
        finally
        {
            _reminderGate.Release();
        }
    }

    /// <summary>Writes the state; writes of interleaved calls wait for each other.</summary>
    private async Task SaveAsync()
    {
        await _writeGate.WaitAsync();
        try
        {
            await state.WriteStateAsync();
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
