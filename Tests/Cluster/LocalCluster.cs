using GrainStream.Silo;
using GrainStream.Tests.Hosting;
using GrainStream.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace GrainStream.Tests.Cluster;

/// <summary>A cluster of real processes on 127.0.0.1, as <c>scripts/cluster.sh</c> starts one: a
/// database of its own on the test run's PostgreSQL server, silo processes, API nodes in client
/// mode, and an Orleans client of the test's own to look inside (where a grain lives).</summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private static readonly TestClusterPortAllocator PortAllocator = new();

    private readonly Dictionary<string, string> _settings;
    private readonly (int Silo, int Gateway)[] _ports;
    private readonly ITestOutputHelper? _output;
    private IHost? _observer;

    private LocalCluster(string postgres, int silos, IReadOnlyDictionary<string, string>? settings, ITestOutputHelper? output)
    {
        _output = output;
        Postgres = postgres;
        ClusterId = "test-" + Guid.NewGuid().ToString("N")[..8];
        _settings = new Dictionary<string, string>
        {
            ["Stocks:Simulate"] = "false",
            ["Tasks:DemoWorker"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:GrainStream.Silo"] = "Information",
            ["Logs:Root"] = Path.Combine(Path.GetTempPath(), "grainstream-cluster-logs"),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) _settings[key] = value;
        _ports = [.. Enumerable.Range(0, silos).Select(_ => PortAllocator.AllocateConsecutivePortPairs(1))];
        Silos = new SiloProcess?[silos];
    }

    /// <summary>The cluster's database.</summary>
    public string Postgres { get; }

    public string ClusterId { get; }

    /// <summary>The silo slots; a slot is null while its silo is down.</summary>
    public SiloProcess?[] Silos { get; }

    public List<ApiProcess> Apis { get; } = [];

    /// <summary>Starts <paramref name="silos"/> silos, then <paramref name="apis"/> API nodes, each
    /// waited for (joined; ready). With <paramref name="output"/>, the last lines each process printed
    /// are written there when the cluster is disposed (a runner shows them for a failed test).</summary>
    public static async Task<LocalCluster> StartAsync(int silos, int apis, IReadOnlyDictionary<string, string>? settings = null, ITestOutputHelper? output = null)
    {
        var cluster = new LocalCluster(await PostgresServer.CreateDatabaseAsync(), silos, settings, output);
        try
        {
            // The first silo alone creates the schema and the cluster's row; then the others at once.
            await cluster.StartSiloAsync(0);
            await Task.WhenAll(Enumerable.Range(1, silos - 1).Select(cluster.StartSiloAsync));
            var nodes = await Task.WhenAll(Enumerable.Range(0, apis).Select(i => ApiProcess.StartAsync(cluster.ApiSettings, $"api-{i}")));
            cluster.Apis.AddRange(nodes);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private Dictionary<string, string> ApiSettings => new(_settings)
    {
        ["GrainStream:Mode"] = "Client",
        ["Cluster:Postgres"] = Postgres,
        ["Cluster:Id"] = ClusterId,
    };

    /// <summary>Starts the silo of slot <paramref name="index"/> (again: same ports, a new generation).</summary>
    public async Task StartSiloAsync(int index)
    {
        if (Silos[index] is { Process.HasExited: false }) throw new InvalidOperationException($"Silo {index} is running.");
        if (Silos[index] is { } old) await old.DisposeAsync();
        Silos[index] = null;
        Silos[index] = await SiloProcess.StartAsync($"silo-{index}", Postgres, ClusterId, _ports[index].Silo, _ports[index].Gateway, _settings);
    }

    /// <summary>kill -9 of the silo of slot <paramref name="index"/>.</summary>
    public async Task KillSiloAsync(int index)
    {
        await Silos[index]!.Process.KillAsync();
    }

    /// <summary>Graceful stop (SIGTERM) of the silo of slot <paramref name="index"/>.</summary>
    public async Task StopSiloAsync(int index)
    {
        await Silos[index]!.Process.TerminateAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>The slot of the silo where <paramref name="grain"/> is active (activating it if it is not).</summary>
    /// <remarks>Asked again while the observer's gateway is a silo that just failed (<see cref="IsGatewayLoss"/>).</remarks>
    public async Task<int> SiloHostingAsync(IAddressable grain)
    {
        var client = await ObserverAsync();
        SiloAddress? address = null;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                address = await client.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);
                return true;
            }
            catch (Exception exception) when (IsGatewayLoss(exception))
            {
                return false;
            }
        }, $"the silo of {grain}", TimeSpan.FromSeconds(60));
        if (address is null) throw new InvalidOperationException($"{grain} has no activation.");
        var index = Array.FindIndex(_ports, p => p.Silo == address.Endpoint.Port);
        return index >= 0 ? index : throw new InvalidOperationException($"{grain} lives on {address}, not a silo of this cluster.");
    }

    /// <summary>Whether a call of the observer failed because its gateway silo failed: the call timed
    /// out (a frozen gateway), or was broken off (<see cref="SiloUnavailableException"/>) when the client
    /// dropped that gateway. Asked again, it goes through another.</summary>
    public static bool IsGatewayLoss(Exception exception) => exception is TimeoutException or OrleansMessageRejectionException;

    /// <summary>The test's own client of the cluster.</summary>
    public async Task<IClusterClient> ObserverAsync()
    {
        if (_observer is null)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.AddInMemoryCollection(ApiSettings!);
            builder.UseOrleansClient(client => client.UseGrainStreamCluster(builder.Configuration));
            _observer = builder.Build();
            await _observer.StartAsync();
        }
        return _observer.Services.GetRequiredService<IClusterClient>();
    }

    public async ValueTask DisposeAsync()
    {
        if (_output is not null)
        {
            foreach (var process in Apis.Select(a => a.Process).Concat(Silos.OfType<SiloProcess>().Select(s => s.Process)))
            {
                var lines = process.Output().Split('\n');
                static string Cut(string line) => line.Length > 600 ? line[..600] + " [...]" : line;
                // Errors first (a 500's cause scrolls out of the last lines under failover warnings).
                var errors = lines.Where(l => l.StartsWith("fail:", StringComparison.Ordinal)).Take(10).Select(Cut).ToList();
                if (errors.Count > 0) _output.WriteLine($"--- {process.Name}, first errors:\n{string.Join('\n', errors)}");
                _output.WriteLine($"--- {process.Name}{(process.HasExited ? " (exited)" : "")}, last lines:\n{string.Join('\n', lines.TakeLast(40).Select(Cut))}");
            }
        }
        if (_observer is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _observer.StopAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            _observer.Dispose();
        }
        foreach (var api in Apis) await api.DisposeAsync();
        foreach (var silo in Silos) if (silo is not null) await silo.DisposeAsync();
    }
}
