using GrainStream.Grains.Queues;
using Orleans.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Platform.Queues;

/// <summary>One cluster for the queue specifications (each uses its own queue), with a short
/// visibility timeout and a small in-flight limit so that both are quick to observe.</summary>
public sealed class QueueClusterFixture : IAsyncLifetime
{
    public static readonly TimeSpan VisibilityTimeout = TimeSpan.FromSeconds(1);

    public const int MaxInFlight = 2;

    public const int MaxMessageBytes = 1024;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await GrainClusterFactory.StartAsync(silo =>
    {
        silo.Services.AddQueueGrains(silo.Configuration);
        silo.Services.Configure<QueueOptions>(o =>
        {
            o.VisibilityTimeout = VisibilityTimeout;
            o.MaxInFlightPerConsumer = MaxInFlight;
            o.MaxMessageBytes = MaxMessageBytes;
            o.SweepInterval = TimeSpan.FromMilliseconds(100);
            o.ReminderPeriod = TimeSpan.FromSeconds(1);
        });
    });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
