using System.Security.Claims;

namespace GrainStream.Api.Auth;

/// <summary>Reads a token's topic claims. <c>publish</c> and <c>subscribe</c> hold topic patterns
/// (<see cref="TopicPattern"/>), as a JSON array or one space-separated string (an array arrives as
/// one claim per element); <c>sub</c> is the subject.</summary>
public static class TopicClaims
{
    /// <summary>The claim of patterns the caller may publish to.</summary>
    public const string Publish = "publish";

    /// <summary>The claim of patterns the caller may subscribe to.</summary>
    public const string Subscribe = "subscribe";

    /// <summary>The subject: the caller's name (chat author, presence user, queue consumer).</summary>
    public const string Subject = "sub";

    /// <summary>The claim name for <paramref name="action"/>.</summary>
    public static string For(TopicAction action) => action == TopicAction.Publish ? Publish : Subscribe;

    /// <summary>True when one of the caller's patterns for <paramref name="action"/> covers <paramref name="topic"/>.</summary>
    public static bool Allows(ClaimsPrincipal user, TopicAction action, string topic)
    {
        var type = For(action);
        foreach (var claim in user.Claims)
        {
            if (claim.Type != type) continue;
            foreach (var range in claim.Value.AsSpan().SplitAny(' ', '\t'))
            {
                if (TopicPattern.Matches(claim.Value.AsSpan()[range], topic)) return true;
            }
        }
        return false;
    }

    /// <summary>The caller's subject, or null.</summary>
    public static string? SubjectOf(ClaimsPrincipal user) => user.FindFirst(Subject)?.Value;
}
