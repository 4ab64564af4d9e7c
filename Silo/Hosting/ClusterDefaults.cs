using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace GrainStream.Silo;

/// <summary>The failure-detection and gateway settings GrainStream's cluster runs with, chosen for
/// recovery within seconds (Orleans' defaults take ~14 s after a kill -9 and up to a minute for a
/// client whose gateway froze, measured on this project's machines).</summary>
/// <remarks>
/// <list type="bullet">
/// <item>Silos probe each other every 1 s (<see cref="ClusterMembershipOptions.ProbeTimeout"/>) and
/// suspect a silo after 2 missed probes (<see cref="ClusterMembershipOptions.NumMissedProbesLimit"/>);
/// 2 votes declare it dead. A killed silo's port refuses at once, so it is declared dead in about a
/// second; a frozen one in a few seconds.</item>
/// <item>Clients re-read the gateway list every 2 s (<see cref="GatewayOptions.GatewayListRefreshPeriod"/>)
/// and give up on a call after 10 s (<c>ClientMessagingOptions.ResponseTimeout</c>), so a
/// frozen gateway holds calls for seconds, not a minute.</item>
/// </list>
/// </remarks>
public static class ClusterDefaults
{
    /// <summary>How often a silo probes the silos it watches.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes before a silo is suspected.</summary>
    public const int MissedProbesLimit = 2;

    /// <summary>How often clients re-read the gateways from the membership table.</summary>
    public static readonly TimeSpan GatewayListRefreshPeriod = TimeSpan.FromSeconds(2);

    /// <summary>How long a call waits for its answer.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Applies the silo side: membership probing and the silo's own response timeout.</summary>
    public static void Apply(IServiceCollection services)
    {
        services.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = ProbeTimeout;
            o.NumMissedProbesLimit = MissedProbesLimit;
        });
        services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
    }

    /// <summary>Applies the client side: gateway list refresh and the response timeout.</summary>
    public static void ApplyToClient(IServiceCollection services)
    {
        services.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = GatewayListRefreshPeriod);
        services.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
    }
}
