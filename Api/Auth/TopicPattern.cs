namespace GrainStream.Api.Auth;

/// <summary>A topic pattern of a token's claims, as in Mercure: a topic (<c>stock:ACME</c>), a
/// prefix ending in <c>*</c> within the topic's last segment (<c>chat:*</c>, <c>chat:team-*</c>,
/// <c>log:app.*</c>), or <c>*</c> alone for every topic. The wildcard never crosses a <c>:</c>, so
/// <c>task:*</c> does not cover <c>tasks:default</c>.</summary>
public static class TopicPattern
{
    /// <summary>True when <paramref name="pattern"/> covers <paramref name="topic"/> (ordinal, case-sensitive, as keys are).</summary>
    public static bool Matches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> topic)
    {
        if (pattern.IsEmpty) return false;
        if (pattern is "*") return true;
        if (pattern[^1] != '*') return pattern.SequenceEqual(topic);
        var prefix = pattern[..^1];
        return topic.StartsWith(prefix, StringComparison.Ordinal) && !topic[prefix.Length..].Contains(':');
    }
}
