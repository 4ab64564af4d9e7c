using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GrainStream.Api.Auth;

/// <summary>Mints HS256 tokens with the configured key: for <c>POST /auth/dev-token</c> and for tests.
/// <c>scripts/token.sh</c> mints the same tokens without .NET.</summary>
public sealed class DevTokenIssuer(IOptions<AuthOptions> options, TimeProvider time)
{
    /// <summary>A token for <paramref name="subject"/> with the given patterns, valid for
    /// <paramref name="lifetime"/> (default <see cref="AuthOptions.DevTokenLifetime"/>) from now.</summary>
    public (string Token, DateTimeOffset ExpiresAt) Mint(string subject, IEnumerable<string> publish, IEnumerable<string> subscribe, TimeSpan? lifetime = null)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var expires = now + (lifetime ?? settings.DevTokenLifetime);
        var claims = new Dictionary<string, object>
        {
            [TopicClaims.Subject] = subject,
            [TopicClaims.Publish] = publish.ToArray(),
            [TopicClaims.Subscribe] = subscribe.ToArray(),
        };
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = string.IsNullOrEmpty(settings.Issuer) ? null : settings.Issuer,
            Audience = string.IsNullOrEmpty(settings.Audience) ? null : settings.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(settings.SigningKeyBytes), SecurityAlgorithms.HmacSha256),
        };
        return (new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor), DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }
}
