using GrainStream.Api.Contracts;
using GrainStream.Api.Hosting;
using GrainStream.Persistence.Postgres;
using GrainStream.Persistence.Sqlite;
using GrainStream.Streams;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;

namespace GrainStream.Api.Endpoints;

/// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (the cluster answers
/// and the database takes writes).</summary>
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
    /// answers within <see cref="ApiOptions.ReadinessTimeout"/> and the database commits a small
    /// write within it too: the embedded SQLite file, or on a cluster client the cluster's
    /// PostgreSQL (the node reads gateways and presence from it, the silos write everything there).</summary>
    private static async Task<Results<Ok<HealthStatus>, ProblemHttpResult>> Ready(IClusterClient cluster, IServiceProvider services, IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        var timeout = options.Value.ReadinessTimeout;
        try
        {
            await cluster.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetEventStream(Probe).GetLastPositionAsync().WaitAsync(timeout, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return NotReady($"The cluster did not answer: {exception.Message}");
        }
        try
        {
            await ProbeDatabaseAsync(services, cancellationToken).WaitAsync(timeout, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return NotReady($"The database does not take writes: {exception.Message}");
        }
        return TypedResults.Ok(new HealthStatus("ready"));
    }

    private static Task ProbeDatabaseAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        // On a pool thread: SQLite's I/O is synchronous, and a write blocked on another process's
        // lock would otherwise hold this request past the timeout.
        if (services.GetService<SqliteDatabase>() is { } sqlite) return Task.Run(() => sqlite.ProbeWriteAsync(cancellationToken), cancellationToken);
        if (services.GetService<PostgresDatabase>() is { } postgres) return postgres.ProbeWriteAsync(cancellationToken);
        return Task.CompletedTask;
    }

    private static ProblemHttpResult NotReady(string detail)
        => TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready", detail: detail);
}
