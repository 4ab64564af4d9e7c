using GrainStream.Grains;
using GrainStream.Persistence;
using GrainStream.Persistence.Sqlite;
using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace GrainStream.Tests.Support;

/// <summary>Starts Orleans test clusters (in-process silos, in-memory transport) configured as
/// GrainStream silos are: the <c>events</c> stream provider, reminders, and the SQLite providers on
/// one database file that every silo shares, as the silos of a cluster share their database.
/// Calls time out after 10 s, so a deadlock fails fast.</summary>
public static class ClusterFactory
{
    public static async Task<InProcessTestCluster> StartAsync(int silos, Action<InProcessTestClusterBuilder>? configure = null, TimeSpan? responseTimeout = null, string? databaseFile = null, Action<SqliteStorageOptions>? sqlite = null)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.Options.ConfigureFileLogging = false;
        var timeout = responseTimeout ?? TimeSpan.FromSeconds(10);
        var database = databaseFile ?? TemporaryDatabase.NewPath();
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddGrainStreamEvents();
            silo.AddReminders();
            silo.UseSqlite(o =>
            {
                o.ConnectionString = SqliteConnectionStrings.ForFile(database);
                sqlite?.Invoke(o);
            });
            silo.Services.AddGrainStreamContracts();
            silo.Services.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            silo.Services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = timeout);
            // A killed silo is declared dead within seconds (its port refuses at once here).
            silo.Services.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
            });
        });
        builder.ConfigureClient(client =>
        {
            client.AddGrainStreamEvents();
            client.Services.AddGrainStreamContracts();
            client.Services.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = timeout);
        });
        configure?.Invoke(builder);
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>Adds configuration to every silo.</summary>
    public static InProcessTestClusterBuilder ConfigureEachSilo(this InProcessTestClusterBuilder builder, Action<ISiloBuilder> configure)
        => builder.ConfigureSilo((_, silo) => configure(silo));

    /// <summary>Kills <paramref name="silo"/> (no graceful shutdown) and waits until the cluster has declared it dead.</summary>
    public static async Task KillAndAwaitDeathAsync(this InProcessTestCluster cluster, InProcessSiloHandle silo)
    {
        await cluster.KillSiloAsync(silo);
        await cluster.AwaitDepartureAsync(silo);
    }

    /// <summary>Stops <paramref name="silo"/> gracefully and waits until the cluster no longer counts it.</summary>
    public static async Task StopAndAwaitDepartureAsync(this InProcessTestCluster cluster, InProcessSiloHandle silo)
    {
        await cluster.StopSiloAsync(silo);
        await cluster.AwaitDepartureAsync(silo);
    }

    private static Task AwaitDepartureAsync(this InProcessTestCluster cluster, InProcessSiloHandle silo)
    {
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        return Eventually.TrueAsync(async () =>
        {
            try
            {
                return !(await management.GetHosts(onlyActive: true)).ContainsKey(silo.SiloAddress);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // The management grain may have lived on the departed silo; it comes back elsewhere.
                return false;
            }
        }, $"the cluster to declare silo {silo.SiloAddress} gone", TimeSpan.FromSeconds(40));
    }

    /// <summary>The silo that hosts <paramref name="grain"/>'s activation (it must have one).</summary>
    public static InProcessSiloHandle SiloOf(this InProcessTestCluster cluster, IAddressable grain)
    {
        if (!cluster.TryGetGrainContext(grain.GetGrainId(), out var context)) throw new InvalidOperationException($"{grain.GetGrainId()} has no activation.");
        return cluster.GetSiloForAddress(context.Address.SiloAddress!) ?? throw new InvalidOperationException($"No silo at {context.Address.SiloAddress}.");
    }
}
