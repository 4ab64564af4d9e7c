using GrainStream.Grains.Tasks;
using Orleans.TestingHost;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Platform.Tasks;

public sealed class TaskJobTests(TaskClusterFixture fixture) : IClassFixture<TaskClusterFixture>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private InProcessTestCluster Cluster => fixture.Cluster;

    private ITaskJobGrain Job(string id) => Cluster.Client.GetGrain<ITaskJobGrain>(id);

    private ITaskQueueGrain Queue(string name) => Cluster.Client.GetGrain<ITaskQueueGrain>(name);

    [Fact]
    public async Task Created_task_is_queued_and_published()
    {
        var id = TaskClusterFixture.NewId();
        var onTask = await RawStreamRecorder.SubscribeAsync(Cluster, TaskStreams.Task(id));
        var onQueue = await RawStreamRecorder.SubscribeAsync(Cluster, TaskStreams.Queue("created"));

        var created = await Job(id).Create(TaskClusterFixture.Command("report.build", "created", 2, """{"n":3}"""));

        Assert.Equal(TaskJobStatus.Queued, created.Status);
        Assert.Equal((id, "report.build", "created", 0, 2, 0), (created.Id, created.Type, created.Queue, created.Attempts, created.MaxAttempts, created.Progress));
        Assert.Equal(3, created.Payload!.Value.GetProperty("n").GetInt32());
        await Eventually.TrueAsync(() => onTask.Of<TaskJobView>("status").Count == 1 && onQueue.Of<TaskJobView>("status").Count == 1, "the status event on both streams");
        Assert.Equal(TaskJobStatus.Queued, onTask.Of<TaskJobView>("status")[0].Status);
        Assert.Equal(id, onQueue.Of<TaskJobView>("status")[0].Id);
        Assert.Equal(new TaskQueueStats("created", 1, 0), await Queue("created").GetStats());

        // Creating again is idempotent: the same task, still one entry in the queue.
        var again = await Job(id).Create(TaskClusterFixture.Command("other.type", "created"));
        Assert.Equal(created.CreatedAt, again.CreatedAt);
        Assert.Equal("report.build", again.Type);
        Assert.Equal(created.CreatedAt, (await Job(id).Get())!.CreatedAt);
        Assert.Equal(new TaskQueueStats("created", 1, 0), await Queue("created").GetStats());
        Assert.Null(await Job(TaskClusterFixture.NewId()).Get());
    }

    [Fact]
    public async Task Invalid_input_is_refused_with_an_argument_exception_naming_the_field()
    {
        var job = Job(TaskClusterFixture.NewId());
        Assert.Contains("type", (await Assert.ThrowsAsync<ArgumentException>(() => job.Create(TaskClusterFixture.Command("has space", "q")))).Message);
        Assert.Contains("type", (await Assert.ThrowsAsync<ArgumentException>(() => job.Create(TaskClusterFixture.Command("", "q")))).Message);
        Assert.Contains("type", (await Assert.ThrowsAsync<ArgumentException>(() => job.Create(TaskClusterFixture.Command(new string('t', 129), "q")))).Message);
        Assert.Contains("queue", (await Assert.ThrowsAsync<ArgumentException>(() => job.Create(TaskClusterFixture.Command("t", "..")))).Message);
        Assert.Contains("maxAttempts", (await Assert.ThrowsAsync<ArgumentException>(() => job.Create(TaskClusterFixture.Command("t", "q", 0)))).Message);
        Assert.Contains("maxAttempts", (await Assert.ThrowsAsync<ArgumentException>(() => job.Create(TaskClusterFixture.Command("t", "q", 101)))).Message);
        Assert.Null(await job.Get());

        var queue = Queue("invalid");
        Assert.Contains("worker", (await Assert.ThrowsAsync<ArgumentException>(() => queue.Claim("a/b", null, Lease))).Message);
        Assert.Contains("lease", (await Assert.ThrowsAsync<ArgumentException>(() => queue.Claim("w", null, TimeSpan.FromMilliseconds(500)))).Message);
        Assert.Contains("lease", (await Assert.ThrowsAsync<ArgumentException>(() => queue.Claim("w", null, TimeSpan.FromHours(2)))).Message);
        Assert.Contains("percent", (await Assert.ThrowsAsync<ArgumentException>(() => job.ReportProgress("w", null, 101, null))).Message);
        Assert.Contains("message", (await Assert.ThrowsAsync<ArgumentException>(() => job.ReportProgress("w", null, 5, new string('m', 1001)))).Message);
        Assert.Contains("error", (await Assert.ThrowsAsync<ArgumentException>(() => job.Fail("w", null, ""))).Message);
    }

    [Fact]
    public async Task Claim_returns_oldest_matching_task_and_none_when_empty()
    {
        var queue = Queue("claims");
        var (a1, b1, a2) = (TaskClusterFixture.NewId(), TaskClusterFixture.NewId(), TaskClusterFixture.NewId());
        await Job(a1).Create(TaskClusterFixture.Command("kind.a", "claims"));
        await Job(b1).Create(TaskClusterFixture.Command("kind.b", "claims"));
        await Job(a2).Create(TaskClusterFixture.Command("kind.a", "claims"));

        var first = await queue.Claim("w1", ["kind.b"], Lease);
        Assert.Equal(b1, first!.Id);
        Assert.Equal((TaskJobStatus.Running, "w1", 1), (first.Status, first.Worker, first.Attempts));
        Assert.NotNull(first.StartedAt);
        Assert.True(first.LeaseExpiresAt > DateTimeOffset.UtcNow + TimeSpan.FromSeconds(20));
        Assert.Null(await queue.Claim("w1", ["kind.b", "kind.c"], Lease));

        Assert.Equal(a1, (await queue.Claim("w2", null, Lease))!.Id);
        Assert.Equal(a2, (await queue.Claim("w3", [], Lease))!.Id);
        Assert.Null(await queue.Claim("w4", null, Lease));
        Assert.Equal(new TaskQueueStats("claims", 0, 3), await queue.GetStats());
        Assert.Equal(TaskJobStatus.Running, (await Job(a1).Get())!.Status);
    }

    [Fact]
    public async Task Progress_from_a_worker_without_the_lease_is_refused()
    {
        var id = TaskClusterFixture.NewId();
        var onTask = await RawStreamRecorder.SubscribeAsync(Cluster, TaskStreams.Task(id));
        var onQueue = await RawStreamRecorder.SubscribeAsync(Cluster, TaskStreams.Queue("progress"));
        await Job(id).Create(TaskClusterFixture.Command("work", "progress"));
        Assert.Equal(WorkerReportOutcome.NotLeaseHolder, await Job(id).ReportProgress("w1", null, 10, null)); // queued: nobody holds it
        var token = (await Queue("progress").Claim("w1", null, Lease))!.LeaseToken;

        Assert.Equal(WorkerReportOutcome.NotLeaseHolder, await Job(id).ReportProgress("w2", token, 50, "not mine"));
        Assert.Equal(WorkerReportOutcome.NotLeaseHolder, await Job(id).Complete("w2", token, null));
        Assert.Equal(WorkerReportOutcome.NotLeaseHolder, await Job(id).Fail("w2", token, "not mine"));
        Assert.Equal(WorkerReportOutcome.NotFound, await Job(TaskClusterFixture.NewId()).ReportProgress("w1", token, 50, null));
        Assert.Equal(WorkerReportOutcome.Accepted, await Job(id).ReportProgress("w1", token, 40, "4/10"));
        var view = (await Job(id).Get())!;
        Assert.Equal((40, "4/10", TaskJobStatus.Running), (view.Progress, view.ProgressMessage, view.Status));

        await Eventually.TrueAsync(() => onTask.Of<TaskProgress>("progress").Count == 1 && onQueue.Of<TaskProgress>("progress").Count == 1, "the progress event on both streams");
        Assert.Equal(new TaskProgress(id, 40, "4/10"), onTask.Of<TaskProgress>("progress")[0]);

        Assert.Equal(WorkerReportOutcome.Accepted, await Job(id).Complete("w1", token, TaskClusterFixture.Command("x", "q", payload: """{"ok":true}""").Payload));
        var done = (await Job(id).Get())!;
        Assert.Equal((TaskJobStatus.Succeeded, 100), (done.Status, done.Progress));
        Assert.True(done.Result!.Value.GetProperty("ok").GetBoolean());
        Assert.NotNull(done.FinishedAt);
        Assert.Equal(new TaskQueueStats("progress", 0, 0), await Queue("progress").GetStats());
        await Eventually.TrueAsync(() => onTask.Of<TaskJobView>("status").Select(s => s.Status).SequenceEqual([TaskJobStatus.Queued, TaskJobStatus.Running, TaskJobStatus.Succeeded]),
            "queued, running, succeeded on the task's stream");
        Assert.Equal(WorkerReportOutcome.NotLeaseHolder, await Job(id).ReportProgress("w1", token, 50, null)); // finished
    }

    [Fact]
    public async Task A_zombie_workers_complete_is_refused_once_the_next_attempt_has_started()
    {
        var id = TaskClusterFixture.NewId();
        await Job(id).Create(TaskClusterFixture.Command("work", "zombie", maxAttempts: 3));
        var first = await Queue("zombie").Claim("w", null, Lease);
        Assert.Equal(WorkerReportOutcome.Accepted, await Job(id).Fail("w", first!.LeaseToken, "lost my state"));

        // The same name claims again: a new attempt, a new token.
        var second = await Queue("zombie").Claim("w", null, Lease);
        Assert.Equal((2, "w"), (second!.Attempts, second.Worker));
        Assert.NotNull(second.LeaseToken);
        Assert.NotEqual(first.LeaseToken, second.LeaseToken);
        Assert.Equal(WorkerReportOutcome.NotLeaseHolder, await Job(id).Complete("w", first.LeaseToken, null));
        Assert.Equal(WorkerReportOutcome.NotLeaseHolder, await Job(id).Complete("w", null, null));
        Assert.Null((await Job(id).Get())!.LeaseToken);

        Assert.Equal(WorkerReportOutcome.Accepted, await Job(id).Complete("w", second.LeaseToken, null));
        Assert.Equal(TaskJobStatus.Succeeded, (await Job(id).Get())!.Status);
    }

    [Fact]
    public async Task Expired_lease_puts_the_task_back_and_it_is_retried()
    {
        var id = TaskClusterFixture.NewId();
        var onTask = await RawStreamRecorder.SubscribeAsync(Cluster, TaskStreams.Task(id));
        await Job(id).Create(TaskClusterFixture.Command("slow", "expiry"));
        var sleepy = (await Queue("expiry").Claim("sleepy", null, TimeSpan.FromSeconds(1)))!.LeaseToken;

        await Eventually.TrueAsync(async () => (await Job(id).Get())!.Status == TaskJobStatus.Queued, "the task back in the queue", TimeSpan.FromSeconds(10));
        var requeued = (await Job(id).Get())!;
        Assert.Equal(("lease expired", 1, null), (requeued.Error, requeued.Attempts, requeued.Worker));
        Assert.Equal(WorkerReportOutcome.NotLeaseHolder, await Job(id).ReportProgress("sleepy", sleepy, 50, null));
        Assert.Equal(new TaskQueueStats("expiry", 1, 0), await Queue("expiry").GetStats());

        var retried = await Queue("expiry").Claim("awake", null, Lease);
        Assert.Equal((id, 2, "awake"), (retried!.Id, retried.Attempts, retried.Worker));
        Assert.Equal(WorkerReportOutcome.Accepted, await Job(id).Complete("awake", retried.LeaseToken, null));
        await Eventually.TrueAsync(() => onTask.Of<TaskJobView>("status").Select(s => s.Status)
            .SequenceEqual([TaskJobStatus.Queued, TaskJobStatus.Running, TaskJobStatus.Queued, TaskJobStatus.Running, TaskJobStatus.Succeeded]), "the whole life on the stream");
    }

    [Fact]
    public async Task Task_fails_after_max_attempts()
    {
        var id = TaskClusterFixture.NewId();
        await Job(id).Create(TaskClusterFixture.Command("flaky", "failing", maxAttempts: 2));

        var first = await Queue("failing").Claim("w1", null, Lease);
        Assert.Equal(WorkerReportOutcome.Accepted, await Job(id).Fail("w1", first!.LeaseToken, "first try broke"));
        var retry = (await Job(id).Get())!;
        Assert.Equal((TaskJobStatus.Queued, "first try broke", 1, null), (retry.Status, retry.Error, retry.Attempts, retry.Worker));

        var second = await Queue("failing").Claim("w2", null, Lease);
        Assert.Equal(2, second!.Attempts);
        Assert.Equal(WorkerReportOutcome.Accepted, await Job(id).Fail("w2", second.LeaseToken, "second try broke"));
        var failed = (await Job(id).Get())!;
        Assert.Equal((TaskJobStatus.Failed, "second try broke", 2), (failed.Status, failed.Error, failed.Attempts));
        Assert.NotNull(failed.FinishedAt);
        Assert.Null(await Queue("failing").Claim("w3", null, Lease));
        Assert.Equal(new TaskQueueStats("failing", 0, 0), await Queue("failing").GetStats());
    }

    [Fact]
    public async Task Cancelled_task_cannot_be_completed()
    {
        var running = TaskClusterFixture.NewId();
        var waiting = TaskClusterFixture.NewId();
        await Job(running).Create(TaskClusterFixture.Command("long", "cancel"));
        await Job(waiting).Create(TaskClusterFixture.Command("long", "cancel"));
        var token = (await Queue("cancel").Claim("w1", null, Lease))!.LeaseToken;

        Assert.Equal(TaskJobStatus.Cancelled, (await Job(running).Cancel())!.Status);
        Assert.Equal(WorkerReportOutcome.NotLeaseHolder, await Job(running).Complete("w1", token, null));
        Assert.Equal(WorkerReportOutcome.NotLeaseHolder, await Job(running).ReportProgress("w1", token, 99, null));
        Assert.Equal(TaskJobStatus.Cancelled, (await Job(running).Get())!.Status);

        Assert.Equal(TaskJobStatus.Cancelled, (await Job(waiting).Cancel())!.Status);
        Assert.Null(await Queue("cancel").Claim("w2", null, Lease));
        Assert.Equal(new TaskQueueStats("cancel", 0, 0), await Queue("cancel").GetStats());

        // Cancelling a finished task changes nothing; an unknown task is null.
        var finishedAt = (await Job(running).Get())!.FinishedAt;
        Assert.Equal(finishedAt, (await Job(running).Cancel())!.FinishedAt);
        Assert.Null(await Job(TaskClusterFixture.NewId()).Cancel());
    }

    [Fact]
    public async Task Claim_skips_entries_whose_task_is_gone()
    {
        var next = TaskClusterFixture.NewId();
        await Queue("skip").Enqueue(TaskClusterFixture.NewId(), "t"); // a task that was never created
        await Job(next).Create(TaskClusterFixture.Command("t", "skip"));
        Assert.Equal(next, (await Queue("skip").Claim("w", null, Lease))!.Id);
        Assert.Equal(new TaskQueueStats("skip", 0, 1), await Queue("skip").GetStats());
    }
}
