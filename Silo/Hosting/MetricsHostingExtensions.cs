using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;

namespace GrainStream.Silo;

/// <summary>The metrics a GrainStream process exports in Prometheus' text format (served by
/// <c>MapPrometheusScrapingEndpoint</c>): Orleans' meter and GrainStream's.</summary>
public static class MetricsHostingExtensions
{
    /// <summary>The name of Orleans' own meter (silo and client instruments).</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>Collects Orleans' meter and GrainStream's (<see cref="GrainStreamMeter.Name"/>) for
    /// the Prometheus exporter; <paramref name="configure"/> adds more (the API adds ASP.NET Core's).</summary>
    public static IHostApplicationBuilder AddGrainStreamMetrics(this IHostApplicationBuilder builder, Action<MeterProviderBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(OrleansMeterName).AddPrometheusExporter();
            configure?.Invoke(metrics);
        });
        // Only this host's own GrainStream meter: a process may run several hosts (tests do), and
        // open connections or commits of one must not show in another's figures.
        builder.Metrics.EnableMetrics(GrainStreamMeter.Name, scopes: MeterScope.Local);
        return builder;
    }
}
