namespace GrainStream.Api.Limits;

/// <summary>The rate limit on POST requests, per client (<see cref="ClientKey"/>): a token bucket
/// that refills at <see cref="PostsPerSecond"/> and holds at most <see cref="Burst"/>. Bound from
/// <c>Api:RateLimit</c>.</summary>
/// <remarks>The defaults are a ceiling against one runaway or hostile address, not a quota: an
/// address may be a NAT or a proxy shared by many users, and the benchmarks post from 127.0.0.1 (the
/// fan-out at 1,000/s over 64 connections, wrk at ~4,100/s), so they sit at twice what any of those
/// sends and above what a 2-core node accepts at all. Lower them where clients are known.</remarks>
public sealed class PostRateLimitOptions
{
    /// <summary>Posts per second a client may keep up; 0 turns the limit off. Default 10,000.</summary>
    public int PostsPerSecond { get; set; } = 10_000;

    /// <summary>Posts a client may send at once after a quiet spell (the bucket's size). Default 10,000.</summary>
    public int Burst { get; set; } = 10_000;
}
