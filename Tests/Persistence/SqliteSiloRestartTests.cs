using GrainStream.Grains;
using GrainStream.Persistence;
using GrainStream.Persistence.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using Xunit;

namespace GrainStream.Tests.Persistence;

/// <summary>A silo configured with <c>UseSqlite</c> is killed (no graceful shutdown) and a new one
/// started on the same file: grain state and reminders are still there.</summary>
public sealed class SqliteSiloRestartTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly TemporaryDatabaseFile _file = new();

    public void Dispose() => _file.Dispose();

    private async Task<InProcessTestCluster> StartSiloAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseSqlite(options => options.ConnectionString = SqliteConnectionStrings.ForFile(_file.FilePath));
            // The platform's contracts are in this process too: Orleans checks it can serialise them.
            silo.Services.AddGrainStreamContracts();
            // Short periods, so that a tick falls due soon after the restart.
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
        var key = Guid.NewGuid().ToString("N");
        await using (var first = await StartSiloAsync())
        {
            await first.Client.GetGrain<ISqliteReminderProbeGrain>(key).ArmAsync(dueTime: TimeSpan.FromSeconds(2), period: TimeSpan.FromSeconds(2));
            await first.KillSiloAsync(first.Silos[0]).WaitAsync(Bound);
        }

        // Only ticks from now on count: they can only come from the new silo.
        var tick = SqliteReminderProbeGrain.NextTickAsync(key);
        await using var second = await StartSiloAsync();

        await tick.WaitAsync(Bound);
        Assert.Equal(1, await second.Client.GetGrain<ISqliteReminderProbeGrain>(key).GetTimesArmedAsync());
    }
}
