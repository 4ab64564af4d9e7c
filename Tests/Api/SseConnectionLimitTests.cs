using System.Net;
using GrainStream.Api.Limits;
using GrainStream.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Api;

/// <summary>A client holds at most <c>Sse:MaxConnectionsPerClient</c> event streams; one more is a
/// 429 problem with <c>Retry-After</c>, and a slot comes back when a stream ends.</summary>
public sealed class SseConnectionLimitTests
{
    [Fact]
    public async Task Opening_more_event_streams_than_the_per_client_limit_gets_429_with_Retry_After()
    {
        await using var host = await ApiHost.StartAsync(new Dictionary<string, string?> { ["Sse:MaxConnectionsPerClient"] = "2" });
        var limiter = host.Services.GetRequiredService<SseClientLimiter>();
        var room = ApiHost.NewKey("limit");
        await using var first = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events");
        var second = await SseClient.OpenAsync(host.Client, "/api/stocks/ACME/events");
        Assert.Equal(2, limiter.OpenBy("127.0.0.1"));

        using (var third = await SseClient.SendAsync(host.Client, $"/api/events?topic=chat:{room}"))
        {
            var problem = await ApiHost.ReadProblem(third, 429);
            Assert.Contains("2 open event streams", problem["detail"]!.GetValue<string>());
            Assert.True(third.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {third.Headers.RetryAfter}");
        }
        // A refusal holds nothing, and another address has its own share.
        Assert.Equal(2, limiter.OpenBy("127.0.0.1"));
        using (var other = OtherClientAddress.For(host.BaseAddress))
        {
            await using var elsewhere = await SseClient.OpenAsync(other, $"/api/chat/rooms/{room}/events");
            Assert.Equal(1, limiter.OpenBy("127.0.0.2"));
        }

        // A stream that ends gives its slot back.
        await second.DisposeAsync();
        await Eventually.TrueAsync(() => limiter.OpenBy("127.0.0.1") == 1, "the closed stream to be released");
        await using var again = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{ApiHost.NewKey("again")}/events");
    }

    [Fact]
    public async Task Behind_a_proxy_with_forwarded_headers_enabled_each_forwarded_client_has_its_own_share()
    {
        // ASP.NET Core's own switch (ASPNETCORE_FORWARDEDHEADERS_ENABLED): without it every client of
        // a reverse proxy would be the proxy's address, sharing one limit.
        await using var host = await ApiHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sse:MaxConnectionsPerClient"] = "1",
            ["ForwardedHeaders_Enabled"] = "true",
        });
        var limiter = host.Services.GetRequiredService<SseClientLimiter>();
        using var alice = ForwardedFor(host, "203.0.113.7");
        using var bob = ForwardedFor(host, "203.0.113.8");

        await using var first = await SseClient.OpenAsync(alice, "/api/stocks/ACME/events");
        await using var other = await SseClient.OpenAsync(bob, "/api/stocks/ACME/events");

        Assert.Equal(1, limiter.OpenBy("203.0.113.7"));
        Assert.Equal(1, limiter.OpenBy("203.0.113.8"));
        Assert.Equal(0, limiter.OpenBy("127.0.0.1"));
        using var refused = await SseClient.SendAsync(alice, "/api/stocks/ACME/events");
        await ApiHost.ReadProblem(refused, 429);
    }

    private static HttpClient ForwardedFor(ApiHost host, string address)
    {
        var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return client;
    }

    [Fact]
    public async Task Answers_that_are_not_streams_release_their_slot_at_once()
    {
        await using var host = await ApiHost.StartAsync(new Dictionary<string, string?> { ["Sse:MaxConnectionsPerClient"] = "1" });
        var limiter = host.Services.GetRequiredService<SseClientLimiter>();
        for (var i = 0; i < 3; i++)
        {
            using var unknown = await SseClient.SendAsync(host.Client, $"/api/tasks/{Guid.NewGuid():N}/events");
            await ApiHost.ReadProblem(unknown, 404);
            using var malformed = await SseClient.SendAsync(host.Client, "/api/stocks/ACME/events", lastEventId: "not-an-id");
            await ApiHost.ReadProblem(malformed, 400);
        }
        Assert.Equal(0, limiter.OpenBy("127.0.0.1"));
        await using var stream = await SseClient.OpenAsync(host.Client, "/api/stocks/ACME/events");
    }
}
