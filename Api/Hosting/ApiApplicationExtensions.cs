using GrainStream.Api.Auth;
using GrainStream.Api.Browsers;
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
        app.UseMiddleware<AllowedHostCheck>();
        // Before anything acts on a request: a cross-origin POST is refused whatever it targets.
        app.UseMiddleware<OriginCheck>();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseRouting();
        if (BrowserServiceCollectionExtensions.HasCorsPolicy(app.Configuration)) app.UseCors();
        // After routing, so that it can let event streams pass untouched.
        app.UseMiddleware<BareStatusProblems>();
        var auth = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        if (auth.Mode == AuthMode.Jwt)
        {
            // Before the rate limiter, so that its client is the token's subject (ClientKey).
            app.UseAuthentication();
            app.UseAuthorization();
        }
        // After routing too: it applies the endpoints' policy (POSTs only) and lets the rest through untouched.
        app.UseRateLimiter();

        var options = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value;
        if (options.OpenApi || app.Environment.IsDevelopment()) app.MapOpenApi();
        app.MapHealthEndpoints();
        app.MapAuthEndpoints();
        var metrics = app.MapPrometheusScrapingEndpoint();
        if (auth.Mode == AuthMode.Jwt) metrics.RequireAuthorization(OperationsTopics.Policy(OperationsTopics.Metrics));
        if (options.Dashboard)
        {
            var dashboard = app.MapOrleansDashboard(routePrefix: "/dashboard");
            if (auth.Mode == AuthMode.Jwt) dashboard.RequireAuthorization(OperationsTopics.Policy(OperationsTopics.Dashboard));
        }

        // Keys are checked for every endpoint under /api, request shapes for those that take one,
        // then (Jwt mode) the token's claims for the topics touched, then the client's share of
        // event streams; every POST is rate-limited per client.
        var api = app.MapGroup("/api")
            .AddEndpointFilter<KeyValidationFilter>()
            .AddEndpointFilterFactory(RequestValidationFilter.Create)
            .AddEndpointFilterFactory(TopicAuthorizationFilter.Create)
            .AddEndpointFilterFactory(SseAdmissionFilter.Create)
            .RateLimitPosts();
        // Every /api call needs a valid token (401 before anything is bound); claims are checked per topic above.
        if (auth.Mode == AuthMode.Jwt) api.RequireAuthorization();
        api.MapChatEndpoints();
        api.MapStockEndpoints();
        api.MapTaskEndpoints();
        api.MapLogEndpoints();
        api.MapQueueEndpoints();
        api.MapEventsEndpoints();
        return app;
    }
}
