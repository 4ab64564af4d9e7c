using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;

namespace GrainStream.Silo;

/// <summary>The metrics a GrainStream process exports in Prometheus' text format (served by
/// <c>MapPrometheusScrapingEndpoint</c>): Orleans' meter, the .NET runtime's and GrainStream's.</summary>
public static class MetricsHostingExtensions
{
    /// <summary>The name of Orleans' own meter (silo and client instruments).</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>The .NET runtime's own meter: collections and pause time of the garbage collector,
    /// heap sizes, the thread pool's threads and queue, lock contention, CPU time, working set.</summary>
    public const string RuntimeMeterName = "System.Runtime";

    /// <summary>The label sets each metric stream keeps (OpenTelemetry's cardinality limit); further
    /// ones are counted under OpenTelemetry's overflow label set.</summary>
    public const int MetricPointsPerStream = 500;

    /// <summary>Collects Orleans' meter, the runtime's (<see cref="RuntimeMeterName"/>) and
    /// GrainStream's (<see cref="GrainStreamMeter.Name"/>) for the Prometheus exporter;
    /// <paramref name="configure"/> adds more (the API adds ASP.NET Core's).</summary>
    public static IHostApplicationBuilder AddGrainStreamMetrics(this IHostApplicationBuilder builder, Action<MeterProviderBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            // OpenTelemetry allocates each metric stream's points up front (2,000 by default, ~144 KB);
            // the largest here (HTTP requests by route and status) has a few hundred. Measured: an
            // idle embedded server's resident memory went from 227 to 215 MB.
            metrics.AddMeter(OrleansMeterName, RuntimeMeterName).AddPrometheusExporter()
                .AddView(_ => new MetricStreamConfiguration { CardinalityLimit = MetricPointsPerStream });
            configure?.Invoke(metrics);
        });
        // Only this host's own GrainStream meter: a process may run several hosts (tests do), and
        // open connections or commits of one must not show in another's figures.
        builder.Metrics.EnableMetrics(GrainStreamMeter.Name, scopes: MeterScope.Local);
        return builder;
    }
}
