using GrainStream.Api.Contracts;
using GrainStream.Api.Validation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace GrainStream.Api.Auth;

/// <summary><c>/auth</c>, always anonymous: <c>GET /auth/config</c> tells a browser the mode, and
/// <c>POST /auth/dev-token</c> mints development tokens, only in the Jwt mode with <c>Auth:DevTokens=true</c>.</summary>
internal static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var settings = app.ServiceProvider.GetRequiredService<IOptions<AuthOptions>>().Value;
        var devTokens = settings.Mode == AuthMode.Jwt && settings.DevTokens;
        var auth = app.MapGroup("/auth").WithTags("Auth").AddEndpointFilterFactory(RequestValidationFilter.Create);
        auth.MapGet("/config", () => TypedResults.Ok(new AuthConfig(settings.Mode.ToString(), devTokens)))
            .WithSummary("The authentication mode, and whether development tokens are served.");
        if (devTokens)
        {
            if (!app.ServiceProvider.GetRequiredService<IHostEnvironment>().IsDevelopment())
            {
                app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AuthEndpoints).FullName!)
                    .LogWarning("Auth:DevTokens is on outside Development: POST /auth/dev-token gives anyone a token for any subject.");
            }
            auth.MapPost("/dev-token", DevToken)
                .WithSummary("Development only (Auth:DevTokens): a token for any subject, with publish and subscribe patterns (default *).");
        }
        return app;
    }

    private static Ok<DevTokenResponse> DevToken(DevTokenRequest request, DevTokenIssuer issuer, IOptions<AuthOptions> options)
    {
        var longest = options.Value.DevTokenLifetime;
        var lifetime = request.LifetimeSeconds is { } seconds && TimeSpan.FromSeconds(seconds) < longest ? TimeSpan.FromSeconds(seconds) : longest;
        var (token, expires) = issuer.Mint(request.Subject!, request.Publish ?? ["*"], request.Subscribe ?? ["*"], lifetime);
        return TypedResults.Ok(new DevTokenResponse(token, request.Subject!, expires));
    }
}
