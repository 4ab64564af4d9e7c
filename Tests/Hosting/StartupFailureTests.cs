using System.Globalization;
using GrainStream.Tests.Support;
using Orleans.TestingHost;

namespace GrainStream.Tests.Hosting;

/// <summary>A host that cannot start ends with one line saying why and exit code 1, not an
/// unhandled-exception abort.</summary>
public sealed class StartupFailureTests : IDisposable
{
    private static readonly TestClusterPortAllocator PortAllocator = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "grainstream-startup-" + Guid.NewGuid().ToString("N"));

    public StartupFailureTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task An_api_whose_data_directory_cannot_be_made_exits_1_saying_why()
    {
        // A regular file where the data directory's parent should be.
        var blocker = Path.Combine(_directory, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "");
        var (siloPort, gatewayPort) = PortAllocator.AllocateConsecutivePortPairs(1);
        await using var api = DotnetProcess.Start("Api", "GrainStream.Api.dll", "api with a blocked data directory", new Dictionary<string, string>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["GrainStream:SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["GrainStream:GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["GrainStream:DataDirectory"] = Path.Combine(blocker, "data"),
            ["Logs:Root"] = Path.Combine(_directory, "logs"),
            ["Stocks:Simulate"] = "false",
            ["Tasks:DemoWorker"] = "false",
        });

        await api.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(api.ExitCode == 1, $"exit code {api.ExitCode}. Output:\n{api.Output()}");
        Assert.Contains("GrainStream.Api could not run: ", api.Output());
    }
}
