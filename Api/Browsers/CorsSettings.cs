namespace GrainStream.Api.Browsers;

/// <summary>Which other origins browsers may call the API from, bound from the <c>Cors</c> section.</summary>
public sealed class CorsSettings
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Cors";

    /// <summary>Origins (<c>https://app.example.com</c>) whose pages may read answers and send
    /// state-changing requests. Default none: only pages served by the API itself (same host).</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>True when <paramref name="origin"/> is one of <see cref="AllowedOrigins"/> (scheme and host
    /// compared case-insensitively, a trailing slash ignored).</summary>
    internal bool Allows(string origin)
    {
        var trimmed = origin.AsSpan().TrimEnd('/');
        foreach (var allowed in AllowedOrigins)
        {
            if (trimmed.Equals(allowed.AsSpan().TrimEnd('/'), StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }
}
