using Microsoft.Extensions.Primitives;

namespace GrainStream.Api.Browsers;

/// <summary>The hosts of the <c>AllowedHosts</c> setting (semicolon-separated, as ASP.NET Core reads
/// it); <see cref="Patterns"/> is null when any host is allowed (unset, empty or <c>*</c>).</summary>
internal sealed class AllowedHosts
{
    /// <summary>The configuration key, ASP.NET Core's own.</summary>
    public const string Key = "AllowedHosts";

    public AllowedHosts(IConfiguration configuration)
    {
        var patterns = (configuration[Key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Patterns = patterns.Length == 0 || patterns.Contains("*") ? null : [.. patterns.Select(p => new StringSegment(p))];
    }

    public IList<StringSegment>? Patterns { get; }
}
