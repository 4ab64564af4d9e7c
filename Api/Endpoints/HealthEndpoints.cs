using GrainStream.Api.Contracts;
using GrainStream.Api.Hosting;
using GrainStream.Persistence.Postgres;
using GrainStream.Streams;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;

namespace GrainStream.Api.Endpoints;

/// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (the cluster answers).</summary>
internal static class HealthEndpoints
{
    private static readonly StreamId Probe = StreamIds.Create("health", "probe");

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Health");
        health.MapGet("/live", () => TypedResults.Ok(new HealthStatus("live")));
        health.MapGet("/ready", Ready);
        return app;
    }

    /// <summary>Ready when a grain call (the probe stream's hub, which also reads the event log)
    /// answers within <see cref="ApiOptions.ReadinessTimeout"/> and, on a cluster client, the
    /// cluster's database answers too (the node reads gateways and presence from it).</summary>
    private static async Task<Results<Ok<HealthStatus>, ProblemHttpResult>> Ready(IClusterClient cluster, IServiceProvider services, IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        string detail;
        try
        {
            var timeout = options.Value.ReadinessTimeout;
            await cluster.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetEventStream(Probe).GetLastPositionAsync().WaitAsync(timeout, cancellationToken);
            if (services.GetService<PostgresDatabase>() is { } database) await database.PingAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
            return TypedResults.Ok(new HealthStatus("ready"));
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            detail = $"The cluster did not answer: {exception.Message}";
        }
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready", detail: detail);
    }
}
