using GrainStream.Grains.Tasks;
using Orleans.TestingHost;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Platform.Tasks;

public sealed class DemoTaskWorkerTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await GrainClusterFactory.StartAsync(silo => TaskClusterFixture.Configure(silo, demoWorker: true));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Demo_worker_runs_demo_count_to_completion_with_progress()
    {
        var id = TaskClusterFixture.NewId();
        var events = await RawStreamRecorder.SubscribeAsync(_cluster, TaskStreams.Task(id));
        var job = _cluster.Client.GetGrain<ITaskJobGrain>(id);
        await job.Create(TaskClusterFixture.Command(DemoTaskTypes.Count, TaskStreams.DefaultQueue, payload: """{"n":5,"delayMs":20}"""));

        await Eventually.TrueAsync(async () => (await job.Get())!.Status == TaskJobStatus.Succeeded, "demo.count to succeed");
        var done = (await job.Get())!;
        Assert.Equal(5, done.Result!.Value.GetProperty("count").GetInt32());
        Assert.Equal((100, 1), (done.Progress, done.Attempts));
        Assert.StartsWith("demo-", done.Worker);
        await Eventually.TrueAsync(() => events.Of<TaskJobView>("status").LastOrDefault()?.Status == TaskJobStatus.Succeeded, "the final status event");
        Assert.Equal([20, 40, 60, 80, 100], events.Of<TaskProgress>("progress").Select(p => p.Percent));
        Assert.Equal(["1/5", "2/5", "3/5", "4/5", "5/5"], events.Of<TaskProgress>("progress").Select(p => p.Message));
    }

    [Fact]
    public async Task Demo_worker_retries_demo_fail_until_its_attempts_are_used_up()
    {
        var id = TaskClusterFixture.NewId();
        var events = await RawStreamRecorder.SubscribeAsync(_cluster, TaskStreams.Task(id));
        var job = _cluster.Client.GetGrain<ITaskJobGrain>(id);
        await job.Create(TaskClusterFixture.Command(DemoTaskTypes.Fail, TaskStreams.DefaultQueue, maxAttempts: 2, payload: """{"delayMs":10}"""));

        await Eventually.TrueAsync(async () => (await job.Get())!.Status == TaskJobStatus.Failed, "demo.fail to fail for good");
        var failed = (await job.Get())!;
        Assert.Equal(2, failed.Attempts);
        Assert.Contains("attempt 2 of 2", failed.Error);
        await Eventually.TrueAsync(() => events.Of<TaskJobView>("status").Select(s => s.Status)
            .SequenceEqual([TaskJobStatus.Queued, TaskJobStatus.Running, TaskJobStatus.Queued, TaskJobStatus.Running, TaskJobStatus.Failed]), "a retry, then the failure");
    }

    [Fact]
    public async Task Demo_worker_runs_demo_sleep_with_progress_every_ten_percent()
    {
        var id = TaskClusterFixture.NewId();
        var events = await RawStreamRecorder.SubscribeAsync(_cluster, TaskStreams.Task(id));
        var job = _cluster.Client.GetGrain<ITaskJobGrain>(id);
        await job.Create(TaskClusterFixture.Command(DemoTaskTypes.Sleep, TaskStreams.DefaultQueue, payload: """{"ms":200}"""));

        await Eventually.TrueAsync(async () => (await job.Get())!.Status == TaskJobStatus.Succeeded, "demo.sleep to succeed");
        await Eventually.TrueAsync(() => events.Of<TaskJobView>("status").LastOrDefault()?.Status == TaskJobStatus.Succeeded, "the final status event");
        Assert.Equal(Enumerable.Range(1, 10).Select(i => i * 10), events.Of<TaskProgress>("progress").Select(p => p.Percent));
    }
}
