using System.Globalization;
using System.Net;
using System.Net.Sockets;
using GrainStream.Tests.Support;
using Orleans.TestingHost;

namespace GrainStream.Tests.Hosting;

/// <summary>The built Api (<c>GrainStream.Api.dll</c>) as a real process on 127.0.0.1: embedded (a
/// silo inside, for a kill -9 and a restart on the same data) or a node of a cluster.</summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private static readonly TestClusterPortAllocator PortAllocator = new();

    private ApiProcess(DotnetProcess process, Uri baseAddress)
    {
        Process = process;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(15) };
    }

    public DotnetProcess Process { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    /// <summary>Starts the Api with <paramref name="settings"/> (as <c>--key=value</c>) and waits
    /// until <c>/health/ready</c> answers.</summary>
    public static async Task<ApiProcess> StartAsync(IReadOnlyDictionary<string, string> settings, string name = "api", TimeSpan? readyWithin = null)
    {
        var httpPort = FreePort();
        var arguments = new Dictionary<string, string> { ["urls"] = $"http://127.0.0.1:{httpPort}" };
        if (!settings.TryGetValue("GrainStream:Mode", out var mode) || mode == "Embedded")
        {
            var (siloPort, gatewayPort) = PortAllocator.AllocateConsecutivePortPairs(1);
            arguments["GrainStream:SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture);
            arguments["GrainStream:GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture);
        }
        foreach (var (key, value) in settings) arguments[key] = value;
        var api = new ApiProcess(DotnetProcess.Start("Api", "GrainStream.Api.dll", $"{name} (port {httpPort})", arguments), new Uri($"http://127.0.0.1:{httpPort}"));
        try
        {
            await api.WaitUntilReadyAsync(readyWithin ?? TimeSpan.FromSeconds(60));
            return api;
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }
    }

    /// <summary>Polls <c>/health/ready</c> until it answers 200.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        await Eventually.TrueAsync(async () =>
        {
            if (Process.HasExited) throw new InvalidOperationException($"{Process.Name} exited while starting. Output:\n{Process.Output()}");
            try
            {
                using var ready = await Client.GetAsync("/health/ready");
                return ready.StatusCode == HttpStatusCode.OK;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, $"{Process.Name} to be ready", timeout);
    }

    /// <summary>Kills the process at once (SIGKILL): nothing is flushed or stopped gracefully.</summary>
    public Task KillAsync() => Process.KillAsync();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Process.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
