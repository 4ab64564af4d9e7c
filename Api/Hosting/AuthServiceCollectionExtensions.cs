using GrainStream.Api.Auth;
using GrainStream.Grains;
using GrainStream.Grains.Queues;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace GrainStream.Api.Hosting;

/// <summary>Authentication from the <c>Auth</c> section (<see cref="AuthOptions"/>): nothing in the
/// Anonymous mode; JWT bearer tokens (HS256) in the Jwt mode.</summary>
public static class AuthServiceCollectionExtensions
{
    /// <summary>Registers the options and, in the Jwt mode, the bearer scheme and authorization, and
    /// makes queue acknowledgements take receipts only (<see cref="QueueOptions.RequireReceipts"/>).
    /// Throws (one sentence naming the setting) when the Jwt mode lacks its signing key.</summary>
    public static WebApplicationBuilder AddGrainStreamAuth(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var section = builder.Configuration.GetSection(AuthOptions.Section);
        services.Configure<AuthOptions>(section);
        var settings = section.Get<AuthOptions>() ?? new AuthOptions();
        settings.Validate();
        if (settings.Mode != AuthMode.Jwt) return builder;

        // A consumer proves a delivery was made to it by its receipt, not by naming a message id.
        services.PostConfigure<QueueOptions>(queues => queues.RequireReceipts = true);
        services.TryAddSingleton(sp => new DevTokenIssuer(sp.GetRequiredService<IOptions<AuthOptions>>(), sp.GetRequiredKeyedService<TimeProvider>(PlatformClock.Key)));
        services.AddAuthorization(policies =>
        {
            foreach (var topic in (string[])[OperationsTopics.Metrics, OperationsTopics.Dashboard])
            {
                policies.AddPolicy(OperationsTopics.Policy(topic), policy => policy.RequireAuthenticatedUser()
                    .RequireAssertion(context => TopicClaims.Allows(context.User, TopicAction.Subscribe, topic)));
            }
        });
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>, IServiceProvider>((jwt, auth, sp) => Configure(jwt, auth.Value, sp.GetRequiredKeyedService<TimeProvider>(PlatformClock.Key)));
        return builder;
    }

    private static void Configure(JwtBearerOptions jwt, AuthOptions auth, TimeProvider time)
    {
        // Claims keep their JWT names (sub, publish, subscribe), not the WS-* URIs.
        jwt.MapInboundClaims = false;
        jwt.TimeProvider = time;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = !string.IsNullOrEmpty(auth.Issuer),
            ValidIssuer = auth.Issuer,
            ValidateAudience = !string.IsNullOrEmpty(auth.Audience),
            ValidAudience = auth.Audience,
            IssuerSigningKey = new SymmetricSecurityKey(auth.SigningKeyBytes),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
            ClockSkew = auth.ClockSkew,
            NameClaimType = TopicClaims.Subject,
            // Lifetimes against the platform's clock, so that a test's manual clock decides expiry
            // for the check at the door as it does for the end of an event stream.
            LifetimeValidator = (notBefore, expires, _, parameters) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return (notBefore is not { } nbf || nbf <= now + parameters.ClockSkew)
                       && expires is { } exp && now - parameters.ClockSkew < exp;
            },
        };
        jwt.Events = new JwtBearerEvents
        {
            OnMessageReceived = context => JwtTokenSource.OnMessageReceived(context, auth.CookieName),
            OnTokenValidated = context =>
            {
                if (string.IsNullOrEmpty(TopicClaims.SubjectOf(context.Principal!))) context.Fail("The token has no subject (sub).");
                return Task.CompletedTask;
            },
            OnChallenge = context =>
            {
                context.HandleResponse();
                var (error, description) = context.AuthenticateFailure switch
                {
                    null => ((string?)null, (string?)null),
                    SecurityTokenExpiredException => ("invalid_token", "The token expired."),
                    SecurityTokenInvalidLifetimeException => ("invalid_token", "The token is expired or not yet valid."),
                    SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => ("invalid_token", "The token's signature is not valid."),
                    SecurityTokenInvalidIssuerException => ("invalid_token", "The token's issuer is not accepted."),
                    SecurityTokenInvalidAudienceException => ("invalid_token", "The token's audience is not accepted."),
                    var failure => ("invalid_token", failure.Message.StartsWith("The token has no subject", StringComparison.Ordinal) ? failure.Message : "The token is not valid."),
                };
                return AuthProblems.WriteUnauthorizedAsync(context.HttpContext, error, description);
            },
        };
    }
}
