using System.Globalization;
using GrainStream.Api.Sse;
using GrainStream.Grains;
using Microsoft.Extensions.Options;

namespace GrainStream.Api.Auth;

/// <summary>Ends an event stream when its token stops being accepted (<c>exp</c> plus the clock skew),
/// with a <c>retry:</c> hint: the client comes back after the retry with a fresh token, instead of
/// keeping a stream its token no longer covers.</summary>
internal static class TokenExpiry
{
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(30);

    /// <summary>A timer on the platform's clock that drains <paramref name="connection"/> at the
    /// expiry of the request's token; null without a token (the Anonymous mode).</summary>
    public static ITimer? EndStreamAtExpiry(SseConnection connection, IServiceProvider services, int retryMilliseconds)
    {
        var http = connection.Context;
        if (SignedInUser.Of(http)?.FindFirst("exp")?.Value is not { } exp
            || !long.TryParse(exp, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
        {
            return null;
        }
        var time = services.GetRequiredKeyedService<TimeProvider>(PlatformClock.Key);
        var skew = services.GetRequiredService<IOptions<AuthOptions>>().Value.ClockSkew;
        var due = DateTimeOffset.FromUnixTimeSeconds(seconds) + skew - time.GetUtcNow();
        // Timers take at most ~49 days; a stream that old is ended then and resumes, token checked again.
        if (due > LongestWait) due = LongestWait;
        return time.CreateTimer(
            static state => ((Action)state!)(),
            () => connection.Drain(retryMilliseconds),
            due > TimeSpan.Zero ? due : TimeSpan.Zero,
            Timeout.InfiniteTimeSpan);
    }
}
