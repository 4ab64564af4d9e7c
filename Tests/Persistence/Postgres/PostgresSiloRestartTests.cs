using GrainStream.Grains;
using GrainStream.Persistence;
using GrainStream.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace GrainStream.Tests.Persistence.Postgres;

/// <summary>A silo configured with <c>UsePostgres</c> is killed (no graceful shutdown) and a new one
/// started on the same database: grain state and reminders are still there.</summary>
public sealed class PostgresSiloRestartTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static async Task<InProcessTestCluster> StartSiloAsync(string connectionString)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UsePostgres(options => options.ConnectionString = connectionString);
            silo.Services.AddGrainStreamContracts();
            silo.Services.Configure<ReminderOptions>(options => options.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        });
        builder.ConfigureClient(client => client.Services.AddGrainStreamContracts());
        var cluster = builder.Build();
        await cluster.DeployAsync().WaitAsync(Bound);
        return cluster;
    }

    [Fact]
    public async Task A_reminder_and_grain_state_survive_killing_the_silo()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        var key = Guid.NewGuid().ToString("N");
        await using (var first = await StartSiloAsync(connectionString))
        {
            await first.Client.GetGrain<ISqliteReminderProbeGrain>(key).ArmAsync(dueTime: TimeSpan.FromSeconds(2), period: TimeSpan.FromSeconds(2));
            await first.KillSiloAsync(first.Silos[0]).WaitAsync(Bound);
        }

        // Only ticks from now on count: they can only come from the new silo.
        var tick = SqliteReminderProbeGrain.NextTickAsync(key);
        await using var second = await StartSiloAsync(connectionString);

        await tick.WaitAsync(Bound);
        Assert.Equal(1, await second.Client.GetGrain<ISqliteReminderProbeGrain>(key).GetTimesArmedAsync());
    }
}
