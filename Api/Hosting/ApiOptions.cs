using GrainStream.Api.Limits;

namespace GrainStream.Api.Hosting;

/// <summary>HTTP front settings, bound from the <c>Api</c> configuration section.</summary>
public sealed class ApiOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Api";

    /// <summary>Largest request body accepted; a bigger one is answered 413. Default 1 MiB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Runs socket sends and receive completions inline on the thread that issued or
    /// observed them instead of hopping to Kestrel's I/O queues. An SSE fan-out writes every event to
    /// thousands of sockets: the hop per write costs about as much as the write itself. Safe here
    /// because no endpoint blocks a thread. Default true.</summary>
    public bool InlineSocketScheduling { get; set; } = true;

    /// <summary>How long <c>/health/ready</c> waits for its grain call and its database write. Default 2 s.</summary>
    public TimeSpan ReadinessTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Serves the Orleans Dashboard at <c>/dashboard</c>. In the cluster mode it needs silos
    /// that run the dashboard's grains (the silo host does unless <c>Cluster:Dashboard</c> is false).
    /// Default true.</summary>
    public bool Dashboard { get; set; } = true;

    /// <summary>The configuration key of <see cref="Dashboard"/>, read while the silo or client is built.</summary>
    internal const string DashboardKey = Section + ":" + nameof(Dashboard);

    /// <summary>Kestrel's <c>MaxConcurrentConnections</c>: connections beyond it are closed as they
    /// arrive; 0 or less: no limit. Default 50,000: five times the largest benchmark (10,000 event
    /// streams), about 600 MB of idle streams at the measured 11.6 KB each. Without a limit the only
    /// bound is the file-descriptor limit, which .NET raises to the hard limit, often a million.</summary>
    public long MaxConcurrentConnections { get; set; } = 50_000;

    /// <summary>Serves the OpenAPI document at <c>/openapi/v1.json</c> outside the Development
    /// environment too (in Development it always is). Default false: a production node does not
    /// describe itself to whoever asks.</summary>
    public bool OpenApi { get; set; }

    /// <summary>The per-client rate limit on POSTs (<c>Api:RateLimit:*</c>).</summary>
    public PostRateLimitOptions RateLimit { get; set; } = new();
}

/// <summary>How the API reaches its grains, from <c>GrainStream:Mode</c>.</summary>
public enum GrainStreamMode
{
    /// <summary>The API hosts a silo in-process with SQLite storage (the default).</summary>
    Embedded,
    /// <summary>The API is a client of a cluster of <c>Silo</c> processes.</summary>
    Client,
}
