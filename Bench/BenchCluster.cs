using System.Net;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;

namespace GrainStream.Bench;

/// <summary>A real cluster in this process: silos A and B, each its own generic host, and a client
/// host, talking over loopback TCP (not the in-memory transport of Orleans.TestingHost's in-process
/// cluster), so remote calls pay for sockets and serialisation as in production.</summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    // Runs outlast the default 30 s response timeout: a driver's or publisher's Run call lasts as
    // long as the measurement it drives.
    private static readonly TimeSpan LongCalls = TimeSpan.FromMinutes(30);

    private readonly TestClusterPortAllocator _ports;

    private BenchCluster(TestClusterPortAllocator ports, Silo siloA, Silo siloB, IHost clientHost)
    {
        _ports = ports;
        SiloA = siloA;
        SiloB = siloB;
        ClientHost = clientHost;
        Client = clientHost.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>What the benchmarks run on, for their JSON.</summary>
    public static string Description { get; } = $"Orleans {OrleansVersion()}, two silos and a client in one process over loopback TCP";

    /// <summary>The primary silo (it keeps the development membership table).</summary>
    public Silo SiloA { get; }

    /// <summary>The second silo.</summary>
    public Silo SiloB { get; }

    /// <summary>The client's host.</summary>
    public IHost ClientHost { get; }

    /// <summary>The client, connected to both silos' gateways.</summary>
    public IClusterClient Client { get; }

    /// <summary>Starts A, then B, waits until each sees the other (membership and grain types, or a
    /// placement hint for the other silo would be ignored), then starts the client.</summary>
    /// <param name="configureSilo">Also applied to each silo, given its name ("A" or "B").</param>
    /// <param name="configureClient">Also applied to the client.</param>
    public static async Task<BenchCluster> StartAsync(Action<ISiloBuilder, string>? configureSilo = null, Action<IClientBuilder>? configureClient = null)
    {
        // Orleans' test port allocator: free ports, reserved against other test clusters on this machine.
        var ports = new TestClusterPortAllocator();
        var (siloPort, gatewayPort) = ports.AllocateConsecutivePortPairs(2);
        var clusterId = $"bench-{Guid.NewGuid():N}";
        var primary = new IPEndPoint(IPAddress.Loopback, siloPort);
        var siloA = await StartSiloAsync("A", siloPort, gatewayPort, primary, clusterId, configureSilo);
        var siloB = await StartSiloAsync("B", siloPort + 1, gatewayPort + 1, primary, clusterId, configureSilo);
        await WaitForEachOtherAsync(siloA, siloB);

        var client = CreateBuilder();
        client.UseOrleansClient(c =>
        {
            c.UseLocalhostClustering([gatewayPort, gatewayPort + 1], clusterId, clusterId);
            c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = LongCalls);
            configureClient?.Invoke(c);
        });
        var clientHost = client.Build();
        await clientHost.StartAsync();
        return new BenchCluster(ports, siloA, siloB, clientHost);
    }

    private static async Task<Silo> StartSiloAsync(string name, int siloPort, int gatewayPort, IPEndPoint primary, string clusterId, Action<ISiloBuilder, string>? configure)
    {
        var builder = CreateBuilder();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, primary, clusterId, clusterId);
            silo.Configure<SiloMessagingOptions>(o =>
            {
                o.ResponseTimeout = LongCalls;
                o.RequestProcessingWarningTime = LongCalls;
            });
            configure?.Invoke(silo, name);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new Silo(name, host, host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress);
    }

    // No appsettings or environment from wherever the benchmark is started; warnings only on the console.
    private static HostApplicationBuilder CreateBuilder()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        // Orleans' memory stream adapter logs every enqueue its full queue refuses as an error with a
        // stack trace (its category is this odd one); the stream benchmark counts them instead.
        builder.Logging.AddFilter("Microsoft.Extensions.Logging.ILogger", LogLevel.None);
        return builder;
    }

    private static async Task WaitForEachOtherAsync(params Silo[] silos)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!silos.All(Sees))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The silos did not see each other within 60 s.");
            await Task.Delay(50);
        }

        bool Sees(Silo silo)
        {
            var members = silo.Host.Services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.Members;
            var manifest = silo.Host.Services.GetRequiredService<IClusterManifestProvider>().Current;
            return silos.All(other => members.TryGetValue(other.Address, out var member) && member.Status == SiloStatus.Active
                && manifest.Silos.ContainsKey(other.Address));
        }
    }

    /// <summary>Runs <paramref name="firstCalls"/> with a placement hint for <paramref name="silo"/>:
    /// grains they activate (and grains those activate) are placed there.</summary>
    public static async Task PlaceOnAsync(SiloAddress silo, Func<Task> firstCalls)
    {
        // The request context is async-local: the hint stays inside this method's calls.
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        try
        {
            await firstCalls();
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    // The package version, without the commit the informational version carries after it.
    private static string OrleansVersion()
        => typeof(Grain).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+', ' ')[0].TrimEnd('.') ?? "?";

    /// <summary>The silo <paramref name="grain"/> is activated on, as the directory says (null: none).</summary>
    public ValueTask<SiloAddress?> WhereIsAsync(IAddressable grain) => Client.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);

    /// <summary>How many of <paramref name="grains"/> are activated on <paramref name="silo"/>.</summary>
    public async Task<int> CountOnAsync(Silo silo, IEnumerable<IAddressable> grains)
    {
        var count = 0;
        foreach (var grain in grains)
        {
            if (silo.Address.Equals(await WhereIsAsync(grain))) count++;
        }
        return count;
    }

    /// <summary>The name of the silo at <paramref name="address"/>, or its address.</summary>
    public string NameOf(SiloAddress? address)
        => address is null ? "none" : address.Equals(SiloA.Address) ? SiloA.Name : address.Equals(SiloB.Address) ? SiloB.Name : address.ToString();

    /// <summary>Stops the client, then B, then A (each given 10 s to leave gracefully).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var host in new[] { ClientHost, SiloB.Host, SiloA.Host })
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await host.StopAsync(timeout.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or TimeoutException)
            {
                Console.Error.WriteLine($"warning: a host did not stop within 10 s ({exception.GetType().Name})");
            }
            host.Dispose();
        }
        _ports.Dispose();
    }

    /// <summary>One silo of the cluster.</summary>
    /// <param name="Name">"A" or "B".</param>
    /// <param name="Host">Its host.</param>
    /// <param name="Address">Its silo address.</param>
    public sealed record Silo(string Name, IHost Host, SiloAddress Address);
}
