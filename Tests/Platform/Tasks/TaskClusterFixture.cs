using System.Text.Json;
using GrainStream.Grains.Tasks;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace GrainStream.Tests.Platform.Tasks;

/// <summary>One cluster for the task specifications: demo worker off, leases checked every 50 ms.
/// Each test uses its own queue.</summary>
public sealed class TaskClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await GrainClusterFactory.StartAsync(silo => Configure(silo, demoWorker: false));

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>The task grains with short intervals.</summary>
    public static void Configure(ISiloBuilder silo, bool demoWorker)
    {
        silo.Services.AddTaskGrains(silo.Configuration);
        silo.Configure<TaskOptions>(o =>
        {
            o.DemoWorker = demoWorker;
            o.DemoPollInterval = TimeSpan.FromMilliseconds(100);
            o.LeaseCheckInterval = TimeSpan.FromMilliseconds(50);
            o.LeaseReminderPeriod = TimeSpan.FromSeconds(2);
        });
    }

    public static string NewId() => Guid.NewGuid().ToString("N");

    public static CreateTaskCommand Command(string type, string queue, int maxAttempts = 3, string? payload = null)
        => new(type, payload is null ? null : JsonDocument.Parse(payload).RootElement.Clone(), queue, maxAttempts);
}
