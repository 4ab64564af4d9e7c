using GrainStream.Grains;
using GrainStream.Grains.Tasks;
using Orleans.Hosting;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Platform.Tasks;

public sealed class TaskRestartTests
{
    [Fact]
    public async Task Expired_lease_is_found_after_the_queue_silo_is_lost()
    {
        await using var cluster = await ClusterFactory.StartAsync(2, builder =>
        {
            builder.ConfigureEachSilo(silo =>
            {
                TaskClusterFixture.Configure(silo, demoWorker: false);
            });
        });
        var id = TaskClusterFixture.NewId();
        var job = cluster.Client.GetGrain<ITaskJobGrain>(id);
        await job.Create(TaskClusterFixture.Command("t", "stranded"));
        Assert.NotNull(await cluster.Client.GetGrain<ITaskQueueGrain>("stranded").Claim("doomed-worker", null, TimeSpan.FromSeconds(1)));

        // Crash the silo of the queue: its lease timer dies with it; only the durable reminder can bring it back.
        await cluster.KillAndAwaitDeathAsync(cluster.SiloOf(cluster.Client.GetGrain<ITaskQueueGrain>("stranded")));

        await Eventually.TrueAsync(async () => (await job.Get())!.Status == TaskJobStatus.Queued, "the task back in the queue after the silo loss", TimeSpan.FromSeconds(40));
        var requeued = (await job.Get())!;
        Assert.Equal(("lease expired", 1), (requeued.Error, requeued.Attempts));
        Assert.Equal(id, (await cluster.Client.GetGrain<ITaskQueueGrain>("stranded").Claim("survivor", null, TimeSpan.FromSeconds(30)))!.Id);
    }
}
