using System.Globalization;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Cluster;

/// <summary>A silo of the cluster mode as a real process (<c>GrainStream.Silo.dll</c>).</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    /// <summary>The line the silo host logs once it has joined.</summary>
    public const string JoinedLine = "joined cluster";

    private SiloProcess(DotnetProcess process, int siloPort, int gatewayPort)
    {
        Process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public DotnetProcess Process { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    /// <summary>Starts a silo with the <c>Cluster</c> keys and <paramref name="settings"/>, and waits
    /// until it has joined.</summary>
    public static async Task<SiloProcess> StartAsync(string name, string postgres, string clusterId, int siloPort, int gatewayPort, IReadOnlyDictionary<string, string> settings)
    {
        var arguments = new Dictionary<string, string>(settings)
        {
            ["Cluster:Postgres"] = postgres,
            ["Cluster:Id"] = clusterId,
            ["Cluster:SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
        };
        var silo = new SiloProcess(DotnetProcess.Start("Silo", "GrainStream.Silo.dll", $"{name} (port {siloPort})", arguments), siloPort, gatewayPort);
        try
        {
            await silo.Process.WaitForOutputAsync(JoinedLine, TimeSpan.FromSeconds(90));
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
