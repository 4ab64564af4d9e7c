using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace GrainStream.Silo;

/// <summary>The <c>Cluster</c> configuration section that silo and API processes of one cluster are
/// started with. The keys are firm: scripts and tests start processes with them.</summary>
public sealed class ClusterSettings
{
    /// <summary>The section's name.</summary>
    public const string SectionName = "Cluster";

    /// <summary>The default of <see cref="Id"/>.</summary>
    public const string DefaultId = "grainstream";

    /// <summary><c>Cluster:Postgres</c>: the Npgsql connection string of the database the cluster
    /// shares (membership, grain state, reminders, event log). Required.</summary>
    public string Postgres { get; set; } = "";

    /// <summary><c>Cluster:Id</c>: the cluster's name in the database; default <c>grainstream</c>.
    /// Processes with another id form another cluster on the same database.</summary>
    public string Id { get; set; } = DefaultId;

    /// <summary><c>Cluster:SiloPort</c>: the port silos talk to each other on; default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary><c>Cluster:GatewayPort</c>: the port clients (API nodes) connect to; default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary><c>Cluster:AdvertisedIP</c>: the address the silo tells the others to reach it at.
    /// Default: the loopback address when <see cref="Postgres"/> points at this machine (a cluster on
    /// one machine), else the machine's first IPv4 address that is up.</summary>
    public string? AdvertisedIP { get; set; }

    /// <summary>Reads the section from <paramref name="configuration"/> and checks it.</summary>
    public static ClusterSettings From(IConfiguration configuration)
    {
        var settings = new ClusterSettings();
        configuration.GetSection(SectionName).Bind(settings);
        if (string.IsNullOrWhiteSpace(settings.Postgres))
            throw new InvalidOperationException("Cluster:Postgres (the Npgsql connection string of the cluster's database) is required in the cluster mode.");
        try
        {
            _ = new NpgsqlConnectionStringBuilder(settings.Postgres);
        }
        catch (ArgumentException exception)
        {
            throw new InvalidOperationException($"Cluster:Postgres is not an Npgsql connection string: {exception.Message}", exception);
        }
        if (string.IsNullOrWhiteSpace(settings.Id)) throw new InvalidOperationException("Cluster:Id must not be empty.");
        if (settings.SiloPort is < 1 or > 65535) throw new InvalidOperationException("Cluster:SiloPort must be a port number (1-65535).");
        if (settings.GatewayPort is < 1 or > 65535) throw new InvalidOperationException("Cluster:GatewayPort must be a port number (1-65535).");
        return settings;
    }

    /// <summary>Names the cluster in <paramref name="options"/> (cluster and service id: one service
    /// per cluster), as silos and clients both must.</summary>
    public void ApplyTo(Orleans.Configuration.ClusterOptions options)
    {
        options.ClusterId = Id;
        options.ServiceId = Id;
    }

    /// <summary>The address to advertise (see <see cref="AdvertisedIP"/>).</summary>
    public IPAddress ResolveAdvertisedAddress()
    {
        if (!string.IsNullOrWhiteSpace(AdvertisedIP))
        {
            return IPAddress.TryParse(AdvertisedIP, out var configured)
                ? configured
                : throw new InvalidOperationException($"Cluster:AdvertisedIP '{AdvertisedIP}' is not an IP address.");
        }
        var host = new NpgsqlConnectionStringBuilder(Postgres).Host ?? "";
        if (IsThisMachine(host)) return IPAddress.Loopback;
        return NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? IPAddress.Loopback;
    }

    // A host list ("a,b"), a Unix socket path or a loopback name or address all mean this machine
    // only when every host is local.
    private static bool IsThisMachine(string hosts) =>
        hosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(host =>
            host.StartsWith('/')
            || host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Split(':')[0], out var address) && IPAddress.IsLoopback(address)));
}
