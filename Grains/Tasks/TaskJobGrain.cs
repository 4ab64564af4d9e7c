using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainStream.Grains.Tasks;

/// <summary>One task (key: its id). Owns the task's life cycle and publishes <c>status</c> and
/// <c>progress</c> on the task's stream and on its queue's stream.</summary>
/// <remarks>
/// Calls between a job and its <see cref="TaskQueueGrain"/> never deadlock: the queue is reentrant,
/// so the job's awaited calls to it (Enqueue, RenewLease, Remove) run even while the queue awaits
/// this job (Start, LeaseExpired). The job calls the queue after its own state is written, except
/// at creation, where the queue entry comes first: an entry without a job is dropped at claim,
/// whereas a queued job without an entry would be stranded. A lost call after a job's write is
/// repaired by the lease: the queue keeps it until <see cref="LeaseExpired"/> confirms.
/// A finished task holds a durable reminder that deletes its state once <see cref="TaskOptions.Retention"/>
/// has passed on the platform clock, together with the task's event stream (its queue's stream, shared
/// with other tasks, keeps its own retention); until the rows are gone, <see cref="Get"/> already answers null.
/// </remarks>
public sealed class TaskJobGrain(
    [FromKeyedServices(PlatformClock.Key)] TimeProvider time, IOptions<TaskOptions> options,
    ILogger<TaskJobGrain> logger, [PersistentState("state")] IPersistentState<TaskJobState> state) : Grain, ITaskJobGrain
{
    private const string RetentionReminder = "retention";

    private readonly TaskOptions _options = options.Value;

    private string Id => this.GetPrimaryKeyString();

    private TaskJobView? Job => state.State.Job;

    private ITaskQueueGrain QueueOf(TaskJobView job) => GrainFactory.GetGrain<ITaskQueueGrain>(job.Queue);

    /// <inheritdoc/>
    public async Task<TaskJobView> Create(CreateTaskCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (Job is { } existing) return existing;
        EntityKey.Require(Id, "id");
        TaskRules.RequireType(command.Type);
        EntityKey.Require(command.Queue, "queue");
        TaskRules.RequireMaxAttempts(command.MaxAttempts);

        var now = time.GetUtcNow();
        var job = new TaskJobView(Id, command.Type, command.Queue, command.Payload, TaskJobStatus.Queued, 0, null, null, null, 0, command.MaxAttempts,
            null, now, null, null, now, null);
        await QueueOf(job).Enqueue(Id, job.Type);
        await SaveAsync(job, leaseToken: null);
        await PublishStatusAsync(job);
        return job;
    }

    /// <inheritdoc/>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A task past its retention whose reminder was lost goes as soon as anyone asks for it.
        if (IsPastRetention) await DeleteAsync();
    }

    /// <inheritdoc/>
    public Task<TaskJobView?> Get() => Task.FromResult(IsPastRetention ? null : Job);

    /// <inheritdoc/>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != RetentionReminder) return;
        if (IsPastRetention || Job is null) await DeleteAsync();
    }

    private bool IsPastRetention => Job is { IsTerminal: true, FinishedAt: { } finished } && time.GetUtcNow() >= finished + _options.Retention;

    /// <summary>Deletes the task's event stream, its state row and its reminder; the activation then goes away.</summary>
    private async Task DeleteAsync()
    {
        logger.LogInformation("Task {TaskId} finished more than {Retention} ago; deleting it", Id, _options.Retention);
        // The stream first: should this fail, the state is still there and the reminder tries again,
        // whereas a stream left behind a deleted state would never be found again.
        await this.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetEventStream(TaskStreams.Task(Id)).DeleteAsync();
        await state.ClearStateAsync();
        await this.UnregisterReminderIfAny(RetentionReminder);
        DeactivateOnIdle();
    }

    /// <summary>Starts the retention clock of a task that has just finished. The first tick comes
    /// at the end of the retention or after one check period, whichever is sooner, so that a
    /// platform clock moved by hand (tests) is noticed; the check period (default 1 h) bounds how
    /// late a deletion may be.</summary>
    private async Task StartRetentionAsync(DateTimeOffset finishedAt)
    {
        var remaining = finishedAt + _options.Retention - time.GetUtcNow();
        var due = remaining < _options.RetentionCheckPeriod ? remaining : _options.RetentionCheckPeriod;
        try
        {
            await this.RegisterOrUpdateReminder(RetentionReminder, due > TimeSpan.Zero ? due : TimeSpan.Zero, _options.RetentionCheckPeriod);
        }
        catch (Exception exception)
        {
            // The task is finished and stored; without its reminder it is deleted at its next activation after the retention.
            logger.LogWarning(exception, "Registering the retention reminder of task {TaskId} failed", Id);
        }
    }

    /// <inheritdoc/>
    public async Task<TaskJobView?> Cancel()
    {
        if (Job is not { } job) return null;
        if (job.IsTerminal) return job;
        var now = time.GetUtcNow();
        job = job with { Status = TaskJobStatus.Cancelled, FinishedAt = now, UpdatedAt = now, LeaseExpiresAt = null };
        await SaveAsync(job, leaseToken: null);
        await PublishStatusAsync(job);
        await QueueOf(job).Remove(Id);
        await StartRetentionAsync(now);
        return job;
    }

    /// <inheritdoc/>
    public async Task<TaskJobView?> Start(string worker, DateTimeOffset leaseExpiresAt)
    {
        if (Job is not { Status: TaskJobStatus.Queued } job) return null;
        var now = time.GetUtcNow();
        state.State.LeaseLength = leaseExpiresAt > now ? leaseExpiresAt - now : TaskRules.MinLease;
        job = job with
        {
            Status = TaskJobStatus.Running,
            Attempts = job.Attempts + 1,
            Worker = worker,
            Progress = 0,
            ProgressMessage = null,
            StartedAt = now,
            UpdatedAt = now,
            LeaseExpiresAt = leaseExpiresAt,
        };
        // A new token per attempt: a worker of an earlier attempt (a zombie reusing the name) cannot report on this one.
        var token = SecretTokens.New();
        await SaveAsync(job, token);
        await PublishStatusAsync(job);
        return job with { LeaseToken = token };
    }

    /// <inheritdoc/>
    public async Task<WorkerReportOutcome> ReportProgress(string worker, string? leaseToken, int percent, string? message)
    {
        TaskRules.RequirePercent(percent);
        TaskRules.RequireProgressMessage(message);
        if (Job is not { } job) return WorkerReportOutcome.NotFound;
        var now = time.GetUtcNow();
        if (!HoldsLease(job, worker, leaseToken, now)) return WorkerReportOutcome.NotLeaseHolder;
        var expires = now + state.State.LeaseLength;
        job = job with { Progress = percent, ProgressMessage = message, UpdatedAt = now, LeaseExpiresAt = expires };
        await SaveAsync(job, state.State.LeaseToken);
        await QueueOf(job).RenewLease(Id, expires);
        await PublishAsync("progress", JsonSerializer.SerializeToUtf8Bytes(new TaskProgress(Id, percent, message), GrainsJsonContext.Default.TaskProgress), job.Queue);
        return WorkerReportOutcome.Accepted;
    }

    /// <inheritdoc/>
    public async Task<WorkerReportOutcome> Complete(string worker, string? leaseToken, JsonElement? result)
    {
        if (Job is not { } job) return WorkerReportOutcome.NotFound;
        var now = time.GetUtcNow();
        if (!HoldsLease(job, worker, leaseToken, now)) return WorkerReportOutcome.NotLeaseHolder;
        job = job with { Status = TaskJobStatus.Succeeded, Progress = 100, Result = result, FinishedAt = now, UpdatedAt = now, LeaseExpiresAt = null };
        await SaveAsync(job, leaseToken: null);
        await PublishStatusAsync(job);
        await QueueOf(job).Remove(Id);
        await StartRetentionAsync(now);
        return WorkerReportOutcome.Accepted;
    }

    /// <inheritdoc/>
    public async Task<WorkerReportOutcome> Fail(string worker, string? leaseToken, string error)
    {
        TaskRules.RequireError(error);
        if (Job is not { } job) return WorkerReportOutcome.NotFound;
        if (!HoldsLease(job, worker, leaseToken, time.GetUtcNow())) return WorkerReportOutcome.NotLeaseHolder;
        await EndAttemptAsync(job, error);
        return WorkerReportOutcome.Accepted;
    }

    /// <inheritdoc/>
    public async Task LeaseExpired(string worker)
    {
        if (Job is not { } job) return;
        switch (job.Status)
        {
            case TaskJobStatus.Running when job.Worker == worker:
                if (job.LeaseExpiresAt is { } expires && expires > time.GetUtcNow())
                {
                    // The lease was renewed after the queue saw it expire (or the clocks differ): say so again.
                    await QueueOf(job).RenewLease(Id, expires);
                    return;
                }
                logger.LogInformation("Lease of task {TaskId} held by {Worker} expired (attempt {Attempt} of {MaxAttempts})", Id, worker, job.Attempts, job.MaxAttempts);
                await EndAttemptAsync(job, "lease expired");
                break;
            case TaskJobStatus.Queued:
                // The job went back to the queue but the queue may never have heard of it (a lost call): make sure.
                await QueueOf(job).Enqueue(Id, job.Type);
                break;
        }
    }

    /// <summary>Ends a running attempt: back to the queue while attempts remain, else failed.</summary>
    private async Task EndAttemptAsync(TaskJobView job, string error)
    {
        var now = time.GetUtcNow();
        if (job.Attempts < job.MaxAttempts)
        {
            job = job with { Status = TaskJobStatus.Queued, Error = error, Worker = null, Progress = 0, ProgressMessage = null, UpdatedAt = now, LeaseExpiresAt = null };
            await SaveAsync(job, leaseToken: null);
            await PublishStatusAsync(job);
            await QueueOf(job).Enqueue(Id, job.Type);
        }
        else
        {
            job = job with { Status = TaskJobStatus.Failed, Error = error, FinishedAt = now, UpdatedAt = now, LeaseExpiresAt = null };
            await SaveAsync(job, leaseToken: null);
            await PublishStatusAsync(job);
            await QueueOf(job).Remove(Id);
            await StartRetentionAsync(now);
        }
    }

    /// <summary>The running attempt's worker, presenting its token; an attempt stored before lease
    /// tokens existed has none and is proven by the worker's name alone.</summary>
    private bool HoldsLease(TaskJobView job, string worker, string? leaseToken, DateTimeOffset now)
        => job.Status == TaskJobStatus.Running && job.Worker == worker && job.LeaseExpiresAt is { } expires && now <= expires
            && (state.State.LeaseToken is not { } current || SecretTokens.Matches(leaseToken, current));

    private async Task SaveAsync(TaskJobView job, string? leaseToken)
    {
        var previous = (state.State.Job, state.State.LeaseToken);
        state.State.Job = job;
        state.State.LeaseToken = leaseToken;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Keep memory equal to storage, so that a retry starts from what is stored.
            (state.State.Job, state.State.LeaseToken) = previous;
            throw;
        }
    }

    private Task PublishStatusAsync(TaskJobView job)
        => PublishAsync("status", JsonSerializer.SerializeToUtf8Bytes(job, GrainsJsonContext.Default.TaskJobView), job.Queue);

    /// <summary>Publishes one payload, serialised once, on the task's stream and its queue's stream.</summary>
    private async Task PublishAsync(string eventName, byte[] payload, string queue)
    {
        var streams = this.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName);
        await streams.GetEventStream(TaskStreams.Task(Id)).PublishAsync(eventName, payload);
        await streams.GetEventStream(TaskStreams.Queue(queue)).PublishAsync(eventName, payload);
    }
}
