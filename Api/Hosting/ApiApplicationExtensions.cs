using GrainStream.Api.Diagnostics;
using GrainStream.Api.Endpoints;
using GrainStream.Api.Errors;
using GrainStream.Api.Limits;
using GrainStream.Api.Validation;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace GrainStream.Api.Hosting;

/// <summary>The HTTP pipeline and the endpoints.</summary>
public static class ApiApplicationExtensions
{
    /// <summary>Request logging, errors as problem details (exceptions, and bare 4xx/5xx such as
    /// unknown routes and 405s), the demo page, every endpoint of the contract, <c>/metrics</c> and
    /// the Orleans Dashboard.</summary>
    public static WebApplication UseGrainStreamApi(this WebApplication app)
    {
        // Outermost, so that it logs the status the client got.
        app.UseMiddleware<RequestLogging>();
        app.UseExceptionHandler();
        app.UseMiddleware<DotSegmentGuard>();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseRouting();
        // After routing, so that it can let event streams pass untouched.
        app.UseMiddleware<BareStatusProblems>();
        // After routing too: it applies the endpoints' policy (POSTs only) and lets the rest through untouched.
        app.UseRateLimiter();

        app.MapOpenApi();
        app.MapHealthEndpoints();
        app.MapPrometheusScrapingEndpoint();
        if (app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.Dashboard) app.MapOrleansDashboard(routePrefix: "/dashboard");

        // Keys are checked for every endpoint under /api, request shapes for those that take one,
        // then the client's share of event streams; every POST is rate-limited per client.
        var api = app.MapGroup("/api")
            .AddEndpointFilter<KeyValidationFilter>()
            .AddEndpointFilterFactory(RequestValidationFilter.Create)
            .AddEndpointFilterFactory(SseAdmissionFilter.Create)
            .RateLimitPosts();
        api.MapChatEndpoints();
        api.MapStockEndpoints();
        api.MapTaskEndpoints();
        api.MapLogEndpoints();
        api.MapQueueEndpoints();
        api.MapEventsEndpoints();
        return app;
    }
}
