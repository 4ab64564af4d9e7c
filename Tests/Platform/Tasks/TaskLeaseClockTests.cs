using GrainStream.Grains;
using GrainStream.Grains.Tasks;
using GrainStream.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Platform.Tasks;

/// <summary>Lease arithmetic on a manual clock: the specifications hold however slow the machine is.</summary>
public sealed class TaskLeaseClockTests
{
    [Fact]
    public async Task Progress_renews_the_lease_and_silence_lets_it_lapse()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var cluster = await GrainClusterFactory.StartAsync(silo =>
        {
            silo.Services.AddKeyedSingleton<TimeProvider>(PlatformClock.Key, clock);
            TaskClusterFixture.Configure(silo, demoWorker: false);
        });
        var id = TaskClusterFixture.NewId();
        var job = cluster.Client.GetGrain<ITaskJobGrain>(id);
        await job.Create(TaskClusterFixture.Command("steady", "renewal"));
        var claimed = await cluster.Client.GetGrain<ITaskQueueGrain>("renewal").Claim("steady-worker", null, TimeSpan.FromSeconds(1));

        // Three lease lengths pass, each report well within the lease it renewed.
        for (var i = 1; i <= 5; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(600));
            Assert.Equal(WorkerReportOutcome.Accepted, await job.ReportProgress("steady-worker", claimed!.LeaseToken, i * 10, null));
        }
        var view = (await job.Get())!;
        Assert.Equal((TaskJobStatus.Running, 1), (view.Status, view.Attempts));
        Assert.Equal(claimed!.LeaseExpiresAt + TimeSpan.FromSeconds(3), view.LeaseExpiresAt);

        // A worker silent for longer than its lease no longer holds it.
        clock.Advance(TimeSpan.FromMilliseconds(1100));
        Assert.Equal(WorkerReportOutcome.NotLeaseHolder, await job.ReportProgress("steady-worker", claimed!.LeaseToken, 60, null));
    }
}
