using GrainStream.Runtime.Configuration;
using GrainStream.Runtime.Directory;
using GrainStream.Runtime.Hosting;
using GrainStream.Runtime.Membership;
using GrainStream.Runtime.Storage;
using GrainStream.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GrainStream.Runtime.Testing;

/// <summary>Builds an <see cref="InProcessTestCluster"/>.</summary>
public sealed class InProcessTestClusterBuilder
{
    private readonly List<Action<ISiloBuilder>> _siloConfigurations = [];
    private readonly List<Action<IClientBuilder>> _clientConfigurations = [];

    /// <summary>Silos started by <see cref="InProcessTestCluster.DeployAsync"/>. Default 2.</summary>
    public int InitialSilos { get; set; } = 2;

    /// <summary>The cluster's membership table (shared by every silo and the client).</summary>
    public IMembershipTable MembershipTable { get; set; } = new InMemoryMembershipTable();

    /// <summary>The cluster's grain directory.</summary>
    public IGrainDirectory Directory { get; set; } = new InMemoryGrainDirectory();

    /// <summary>The default grain storage, shared by every silo as a database would be.</summary>
    public IGrainStorage Storage { get; set; } = new MemoryGrainStorage();

    /// <summary>The stream event log, shared by every silo as a database would be.</summary>
    public IEventLog EventLog { get; set; } = new MemoryEventLog(TimeProvider.System);

    /// <summary>Adds silo configuration (applied to every silo, after the defaults).</summary>
    public InProcessTestClusterBuilder ConfigureSilo(Action<ISiloBuilder> configure)
    {
        _siloConfigurations.Add(configure);
        return this;
    }

    /// <summary>Adds client configuration.</summary>
    public InProcessTestClusterBuilder ConfigureClient(Action<IClientBuilder> configure)
    {
        _clientConfigurations.Add(configure);
        return this;
    }

    /// <summary>Creates the cluster (not yet started).</summary>
    public InProcessTestCluster Build() => new(this, [.. _siloConfigurations], [.. _clientConfigurations]);
}

/// <summary>Several silos and a client in one process, talking over real loopback TCP, sharing an
/// in-memory membership table, directory, storage and event log the way separate processes share
/// a database. Failure detection is tuned to react in a fraction of a second.</summary>
public sealed class InProcessTestCluster : IAsyncDisposable
{
    private readonly InProcessTestClusterBuilder _builder;
    private readonly Action<ISiloBuilder>[] _siloConfigurations;
    private readonly Action<IClientBuilder>[] _clientConfigurations;
    private readonly List<InProcessSiloHandle> _silos = [];
    private IHost? _clientHost;
    private int _siloNumber;

    internal InProcessTestCluster(InProcessTestClusterBuilder builder, Action<ISiloBuilder>[] siloConfigurations, Action<IClientBuilder>[] clientConfigurations)
    {
        _builder = builder;
        _siloConfigurations = siloConfigurations;
        _clientConfigurations = clientConfigurations;
    }

    /// <summary>Creates a builder.</summary>
    public static InProcessTestClusterBuilder CreateBuilder(int initialSilos = 2) => new() { InitialSilos = initialSilos };

    /// <summary>The silos that are running.</summary>
    public IReadOnlyList<InProcessSiloHandle> Silos
    {
        get
        {
            lock (_silos) return [.. _silos.Where(s => s.Silo.IsRunning)];
        }
    }

    /// <summary>The cluster client (connected by <see cref="DeployAsync"/>).</summary>
    public ClusterClient Client => _clientHost?.Services.GetRequiredService<ClusterClient>() ?? throw new InvalidOperationException("Deploy the cluster first.");

    /// <summary>The shared membership table.</summary>
    public IMembershipTable MembershipTable => _builder.MembershipTable;

    /// <summary>The shared grain directory.</summary>
    public IGrainDirectory Directory => _builder.Directory;

    /// <summary>Starts the initial silos and connects the client.</summary>
    public async Task DeployAsync()
    {
        for (var i = 0; i < _builder.InitialSilos; i++) await StartAdditionalSiloAsync().ConfigureAwait(false);
        await StartClientAsync().ConfigureAwait(false);
        await WaitForLivenessToStabilizeAsync().ConfigureAwait(false);
    }

    private async Task StartClientAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseGrainStreamClient(client =>
        {
            client.UseMembershipTable(_builder.MembershipTable);
            client.Configure<ClientOptions>(o => o.GatewayRefreshInterval = TimeSpan.FromMilliseconds(100));
            client.Configure<StreamOptions>(o => o.ResubscribeBackoff = TimeSpan.FromMilliseconds(50));
            foreach (var configure in _clientConfigurations) configure(client);
        });
        _clientHost = builder.Build();
        await _clientHost.StartAsync().ConfigureAwait(false);
    }

    /// <summary>Starts one more silo on a free loopback port.</summary>
    public async Task<InProcessSiloHandle> StartAdditionalSiloAsync()
    {
        var number = Interlocked.Increment(ref _siloNumber);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseGrainStreamSilo(silo =>
        {
            silo.UseLocalhostClustering(port: 0);
            silo.Configure<SiloOptions>(o => o.SiloName = $"silo-{number}");
            silo.UseMembershipTable(_builder.MembershipTable);
            silo.UseGrainDirectory(_builder.Directory);
            silo.AddGrainStorage(GrainStreamDefaults.StorageName, _builder.Storage);
            silo.UseEventLog(_builder.EventLog);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.IAmAliveInterval = TimeSpan.FromMilliseconds(200);
                o.TableRefreshInterval = TimeSpan.FromMilliseconds(100);
                o.ProbeInterval = TimeSpan.FromMilliseconds(100);
                o.ProbeTimeout = TimeSpan.FromMilliseconds(500);
                o.MissedProbesLimit = 3;
                o.DeathTimeout = TimeSpan.FromSeconds(10);
            });
            silo.Configure<StreamOptions>(o => o.ResubscribeBackoff = TimeSpan.FromMilliseconds(50));
            foreach (var configure in _siloConfigurations) configure(silo);
        });
        var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        var handle = new InProcessSiloHandle(host, host.Services.GetRequiredService<Silo>(), $"silo-{number}");
        lock (_silos) _silos.Add(handle);
        return handle;
    }

    /// <summary>Stops a silo gracefully.</summary>
    public async Task StopSiloAsync(InProcessSiloHandle silo)
    {
        await silo.Host.StopAsync().ConfigureAwait(false);
        silo.Host.Dispose();
    }

    /// <summary>Kills a silo: its sockets close at once and it says goodbye to no one.</summary>
    public async Task KillSiloAsync(InProcessSiloHandle silo)
    {
        await silo.Silo.KillAsync().ConfigureAwait(false);
        silo.Host.Dispose();
    }

    /// <summary>Waits until the membership table, every running silo and the client agree on the
    /// set of running silos; throws <see cref="TimeoutException"/> describing the views otherwise.</summary>
    public async Task WaitForLivenessToStabilizeAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var running = Silos.Select(s => s.Silo.Address).ToHashSet();
            var views = Silos.Select(s => s.Silo.ClusterView.ActiveSilos).ToList();
            if (_clientHost is not null)
            {
                await Client.RefreshAsync().ConfigureAwait(false);
                views.Add(Client.ClusterView.ActiveSilos);
            }
            if (views.All(v => v.Length == running.Count && v.All(running.Contains))) return;
            if (TimeProvider.System.GetElapsedTime(started) > limit)
            {
                throw new TimeoutException($"Membership did not stabilise within {limit}: running [{string.Join(", ", running)}], views: {string.Join(" | ", views.Select(v => string.Join(", ", v)))}.");
            }
            foreach (var silo in Silos) await silo.Silo.RefreshMembershipAsync().ConfigureAwait(false);
            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the client and every silo.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_clientHost is not null)
        {
            await _clientHost.StopAsync().ConfigureAwait(false);
            _clientHost.Dispose();
        }
        foreach (var silo in Silos)
        {
            try
            {
                await silo.Host.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            finally
            {
                silo.Host.Dispose();
            }
        }
    }
}

/// <summary>A silo of an <see cref="InProcessTestCluster"/> and its host.</summary>
/// <param name="Host">The silo's host (its services).</param>
/// <param name="Silo">The silo.</param>
/// <param name="Name">A name for test output.</param>
public sealed record InProcessSiloHandle(IHost Host, Silo Silo, string Name)
{
    /// <summary>A grain factory that calls from inside this silo.</summary>
    public IGrainFactory GrainFactory => Silo;

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Silo.Address})";
}
