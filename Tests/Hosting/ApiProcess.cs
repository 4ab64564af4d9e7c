using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using GrainStream.Tests.Support;
using Orleans.TestingHost;

namespace GrainStream.Tests.Hosting;

/// <summary>The built Api (<c>GrainStream.Api.dll</c>) as a real process on 127.0.0.1, for what only
/// a real process shows: a kill -9 and a restart on the same data.</summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private static readonly TestClusterPortAllocator PortAllocator = new();

    private readonly Process _process;

    private ApiProcess(Process process, Uri baseAddress)
    {
        _process = process;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(15) };
    }

    public HttpClient Client { get; }

    /// <summary>Starts the Api with <paramref name="settings"/> (as <c>--key=value</c>) and waits
    /// until <c>/health/ready</c> answers.</summary>
    public static async Task<ApiProcess> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var httpPort = FreePort();
        var (siloPort, gatewayPort) = PortAllocator.AllocateConsecutivePortPairs(1);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ApiAssembly());
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{httpPort}");
        start.ArgumentList.Add($"--GrainStream:SiloPort={siloPort.ToString(CultureInfo.InvariantCulture)}");
        start.ArgumentList.Add($"--GrainStream:GatewayPort={gatewayPort.ToString(CultureInfo.InvariantCulture)}");
        foreach (var (key, value) in settings) start.ArgumentList.Add($"--{key}={value}");
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        // Drained so that a chatty process never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var api = new ApiProcess(process, new Uri($"http://127.0.0.1:{httpPort}"));
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"The Api exited with code {process.ExitCode} while starting.");
            try
            {
                using var ready = await api.Client.GetAsync("/health/ready");
                if (ready.StatusCode == HttpStatusCode.OK) return api;
            }
            catch (HttpRequestException)
            {
            }
            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(60))
            {
                await api.DisposeAsync();
                throw new TimeoutException("The Api was not ready within 60 s.");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Kills the process at once (SIGKILL): nothing is flushed or stopped gracefully.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited) await KillAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // The Api built beside the tests: <repo>/Api/bin/<configuration>/<tfm>/GrainStream.Api.dll.
    private static string ApiAssembly()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var root = RepositoryRoot.Find() ?? throw new DirectoryNotFoundException("GrainStream.sln not found above the test output.");
        var path = Path.Combine(root, "Api", "bin", configuration, framework, "GrainStream.Api.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the Api first ({configuration}); {path} is missing.");
    }
}
