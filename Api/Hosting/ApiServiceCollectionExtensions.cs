using GrainStream.Api.Contracts;
using GrainStream.Api.Diagnostics;
using GrainStream.Api.Errors;
using GrainStream.Api.Limits;
using GrainStream.Api.Presence;
using GrainStream.Api.Sse;
using GrainStream.Grains;
using GrainStream.Silo;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace GrainStream.Api.Hosting;

/// <summary>The HTTP front's services: JSON, problem details, OpenAPI, metrics, SSE relays and presence.</summary>
public static class ApiServiceCollectionExtensions
{
    /// <summary>The meters of ASP.NET Core exported at <c>/metrics</c>: requests (<c>http_server_*</c>),
    /// connections (<c>kestrel_*</c>), routing, handled exceptions, rate limiting, authentication and
    /// authorization (the Jwt mode), and the memory pool.</summary>
    internal static readonly string[] AspNetCoreMeterNames =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
        "Microsoft.AspNetCore.MemoryPool",
    ];

    /// <summary>Registers everything the endpoints need (after the backend, so that the relay hub
    /// and the presence registry stop before the silo does).</summary>
    public static WebApplicationBuilder AddGrainStreamApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.Configure<ApiOptions>(configuration.GetSection(ApiOptions.Section));
        services.Configure<SseOptions>(configuration.GetSection(SseOptions.Section));
        services.TryAddKeyedSingleton(PlatformClock.Key, TimeProvider.System);
        builder.Logging.CaptureScopesOnlyWhenShown(configuration);

        services.ConfigureHttpJsonOptions(o =>
        {
            // Source-generated metadata first; camelCase comes with the web defaults.
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(1, GrainsJsonContext.Default);
        });
        // Body binding failures (malformed JSON, wrong content type, missing body) throw
        // BadHttpRequestException, which ProblemMapping turns into a problem with the reason.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<ApiOptions>, IOptions<SseOptions>>((kestrel, api, sse) =>
        {
            kestrel.Limits.MaxRequestBodySize = api.Value.MaxRequestBodyBytes;
            kestrel.Limits.MaxConcurrentConnections = api.Value.MaxConcurrentConnections > 0 ? api.Value.MaxConcurrentConnections : null;
            // Event streams that write straight to their socket need it in order with Kestrel's bytes.
            if (sse.Value.DirectSocketWrites) kestrel.ConfigureEndpointDefaults(listen => listen.UseOrderedSocketOutput());
        });
        services.AddOptions<SocketTransportOptions>().Configure<IOptions<ApiOptions>>((sockets, api) => sockets.UnsafePreferInlineScheduling = api.Value.InlineSocketScheduling);

        services.AddProblemDetails(o => o.CustomizeProblemDetails = c => c.ProblemDetails.Instance ??= c.HttpContext.Request.Path);
        services.AddExceptionHandler<ProblemMapping>();
        services.AddOpenApi();

        // Orleans', the runtime's, ASP.NET Core's and GrainStream's meters, scraped at /metrics. ASP.NET Core's own
        // meters rather than OpenTelemetry's ASP.NET Core instrumentation: on .NET 10 that adds the
        // same meters plus a middleware whose frame every open event stream kept (~0.13 KB). All it
        // adds is an error.type tag on a 5xx answered without an exception: here only the readiness
        // probe's and a draining node's 503s (ASP.NET Core tags the others with their exception).
        builder.AddGrainStreamMetrics(metrics => metrics.AddMeter(AspNetCoreMeterNames));
        services.TryAddSingleton<GrainStreamMetrics>();
        services.AddPostRateLimiting();
        services.AddSingleton<SseClientLimiter>();

        services.AddSingleton<SseConnectionTracker>();
        services.AddSingleton<StreamRelayHub>();
        services.AddHostedService(sp => sp.GetRequiredService<StreamRelayHub>());
        services.AddSingleton<ConnectionRegistry>();
        services.AddHostedService(sp => sp.GetRequiredService<ConnectionRegistry>());
        return builder;
    }
}
