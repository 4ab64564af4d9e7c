using System.Threading.RateLimiting;
using GrainStream.Api.Hosting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace GrainStream.Api.Limits;

/// <summary>ASP.NET Core's rate limiting on every POST, per client: a token bucket per
/// <see cref="ClientKey"/> (<see cref="PostRateLimitOptions"/>); beyond it a 429 problem with
/// <c>Retry-After</c>. An endpoint policy rather than a global limiter, so that GETs, event streams
/// above all, pass the middleware without a lease or a frame kept for the hours they stay open.</summary>
internal static class PostRateLimiting
{
    /// <summary>The policy every POST endpoint carries.</summary>
    public const string Policy = "posts";

    // The partitioned limiter refills its buckets on its own 100 ms tick, so no period is shorter.
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    /// <summary>Registers the limiter and its policy.</summary>
    public static IServiceCollection AddPostRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ApiOptions>>((limiter, api) =>
        {
            var limit = api.Value.RateLimit;
            var bucket = limit.PostsPerSecond > 0 ? Bucket(limit) : null;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(Policy, context => bucket is null
                ? RateLimitPartition.GetNoLimiter("")
                : RateLimitPartition.GetTokenBucketLimiter(ClientKey.Of(context), _ => bucket));
            limiter.OnRejected = (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                var problem = TooManyRequests.Problem(rejected.HttpContext, retryAfter, "Too many requests",
                    $"This client may post {limit.PostsPerSecond} times per second (bursts of {limit.Burst}); try again after Retry-After seconds.");
                return new ValueTask(problem.ExecuteAsync(rejected.HttpContext));
            };
        });
        return services;
    }

    /// <summary>Puts the policy on every POST endpoint of <paramref name="group"/>, present and future.</summary>
    public static TBuilder RateLimitPosts<TBuilder>(this TBuilder group) where TBuilder : IEndpointConventionBuilder
    {
        group.Add(endpoint =>
        {
            if (endpoint.Metadata.OfType<IHttpMethodMetadata>().Any(m => m.HttpMethods.Contains(HttpMethods.Post)))
            {
                endpoint.Metadata.Add(new EnableRateLimitingAttribute(Policy));
            }
        });
        return group;
    }

    /// <summary>The bucket: refilled every tick with a tick's share of the rate when that is a whole
    /// number of tokens, else once a second with a second's.</summary>
    private static TokenBucketRateLimiterOptions Bucket(PostRateLimitOptions limit)
    {
        var ticksPerSecond = (int)(TimeSpan.TicksPerSecond / Tick.Ticks);
        var everyTick = limit.PostsPerSecond % ticksPerSecond == 0;
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, limit.Burst),
            TokensPerPeriod = everyTick ? limit.PostsPerSecond / ticksPerSecond : limit.PostsPerSecond,
            ReplenishmentPeriod = everyTick ? Tick : TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }
}
