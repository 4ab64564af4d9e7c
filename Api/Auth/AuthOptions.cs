using System.Text;

namespace GrainStream.Api.Auth;

/// <summary>Authentication settings, bound from the <c>Auth</c> configuration section.</summary>
public sealed class AuthOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Auth";

    /// <summary>The shortest signing key HS256 takes (RFC 7518: a key at least as long as the hash).</summary>
    public const int MinSigningKeyBytes = 32;

    /// <summary><see cref="AuthMode.Anonymous"/> (default) or <see cref="AuthMode.Jwt"/>.</summary>
    public AuthMode Mode { get; set; } = AuthMode.Anonymous;

    /// <summary>The <c>iss</c> a token must carry; empty: not checked. Default <c>grainstream</c>.</summary>
    public string Issuer { get; set; } = "grainstream";

    /// <summary>The <c>aud</c> a token must carry; empty: not checked. Default <c>grainstream</c>.</summary>
    public string Audience { get; set; } = "grainstream";

    /// <summary>The HS256 key, as UTF-8 text of at least 32 bytes. Required in <see cref="AuthMode.Jwt"/>
    /// (the API refuses to start without it); no default, so no token can be forged with a known key.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Leeway on <c>exp</c> and <c>nbf</c> for clocks that disagree. Default 30 s.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The cookie a token may come in (after the <c>Authorization: Bearer</c> header, before
    /// the <c>access_token</c> query parameter). Default <c>grainstream_token</c>.</summary>
    public string CookieName { get; set; } = "grainstream_token";

    /// <summary>Serves <c>POST /auth/dev-token</c>, which mints a token for any subject: for the demo
    /// page and development only, never in production. Default false.</summary>
    public bool DevTokens { get; set; }

    /// <summary>How long a development token lives. Default 1 h.</summary>
    public TimeSpan DevTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The key's bytes.</summary>
    internal byte[] SigningKeyBytes => Encoding.UTF8.GetBytes(SigningKey ?? "");

    /// <summary>Throws, with one sentence that says what to set, when the Jwt mode lacks what it needs.</summary>
    internal void Validate()
    {
        if (Mode != AuthMode.Jwt) return;
        if (string.IsNullOrEmpty(SigningKey))
        {
            throw new InvalidOperationException($"Auth:Mode is Jwt but Auth:SigningKey is not set: give it an HS256 key of at least {MinSigningKeyBytes} bytes (for example Auth__SigningKey=$(openssl rand -base64 32)).");
        }
        if (SigningKeyBytes.Length < MinSigningKeyBytes)
        {
            throw new InvalidOperationException($"Auth:SigningKey is {SigningKeyBytes.Length} bytes; HS256 needs at least {MinSigningKeyBytes}.");
        }
        if (ClockSkew < TimeSpan.Zero) throw new InvalidOperationException("Auth:ClockSkew must not be negative.");
        if (DevTokenLifetime <= TimeSpan.Zero) throw new InvalidOperationException("Auth:DevTokenLifetime must be positive.");
    }
}
