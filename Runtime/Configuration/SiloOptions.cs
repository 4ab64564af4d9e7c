using System.Net;

namespace GrainStream.Runtime.Configuration;

/// <summary>Identity and endpoint of a silo.</summary>
public sealed class SiloOptions
{
    /// <summary>The cluster this silo joins; silos and clients of other clusters are refused. Default <c>dev</c>.</summary>
    public string ClusterId { get; set; } = "dev";

    /// <summary>A name for logs. Default: the machine name and process id.</summary>
    public string SiloName { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>The address the silo listens on and advertises to others. Default 127.0.0.1.</summary>
    public IPAddress AdvertisedAddress { get; set; } = IPAddress.Loopback;

    /// <summary>The TCP port for silo-to-silo and client traffic; 0 picks a free port. Default 11111.</summary>
    public int Port { get; set; } = 11111;
}

/// <summary>Calls between grains and from clients.</summary>
public sealed class MessagingOptions
{
    /// <summary>How long a call may take before it fails with <see cref="TimeoutException"/>. Default 30 s.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times a silo may forward a message that reached the wrong silo (stale
    /// membership or directory view) before the receiving silo activates the grain itself
    /// (the directory still guarantees a single activation). Default 2.</summary>
    public int MaxForwardCount { get; set; } = 2;

    /// <summary>Largest frame accepted from the network; bigger frames close the connection. Default 16 MiB.</summary>
    public int MaxFrameSize { get; set; } = 16 * 1024 * 1024;
}

/// <summary>Idle activation collection.</summary>
public sealed class GrainCollectionOptions
{
    /// <summary>An activation idle for longer than this is deactivated. Default 15 min.</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for. Default 1 min.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long <c>OnActivateAsync</c>/<c>OnDeactivateAsync</c> may take. Default 30 s.</summary>
    public TimeSpan LifecycleTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Failure detection and membership.</summary>
public sealed class ClusterMembershipOptions
{
    /// <summary>How often a silo writes its heartbeat (I-am-alive) to the membership table. Default 5 s.</summary>
    public TimeSpan IAmAliveInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the membership table is read to refresh the view. Default 2 s.</summary>
    public TimeSpan TableRefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often each peer is probed over its connection. Default 1 s.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a probe waits for its answer. Default 2 s.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Consecutive failed probes after which a peer is declared dead. Default 3.</summary>
    public int MissedProbesLimit { get; set; } = 3;

    /// <summary>A silo whose heartbeat is older than this is declared dead by any silo that notices,
    /// even without failed probes (e.g. it hangs but keeps its sockets). Default 60 s.</summary>
    public TimeSpan DeathTimeout { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>Streams.</summary>
public sealed class StreamOptions
{
    /// <summary>Events kept in memory per stream in front of the durable log. Default 1,024.</summary>
    public int CacheSize { get; set; } = 1024;

    /// <summary>Events read from the log per round trip when replaying. Default 512.</summary>
    public int ReplayBatchSize { get; set; } = 512;

    /// <summary>Most events committed to the log in one group commit. Default 1,024.</summary>
    public int MaxCommitBatch { get; set; } = 1024;

    /// <summary>How long a subscriber waits before trying again to re-subscribe after its stream's
    /// silo failed. Default 200 ms, doubling up to 5 s.</summary>
    public TimeSpan ResubscribeBackoff { get; set; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>A cluster client.</summary>
public sealed class ClientOptions
{
    /// <summary>The cluster to join. Default <c>dev</c>.</summary>
    public string ClusterId { get; set; } = "dev";

    /// <summary>How often the client re-reads the membership table for gateways. Default 2 s.</summary>
    public TimeSpan GatewayRefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long <c>ConnectAsync</c> waits for at least one gateway. Default 30 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
