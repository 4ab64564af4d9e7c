using System.Net;
using GrainStream.Grains;
using GrainStream.Tests.Api;
using GrainStream.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Auth;

/// <summary>An event stream lasts as long as its token is accepted, then ends with a retry hint.</summary>
public sealed class TokenExpiryTests
{
    [Fact]
    public async Task An_expired_token_ends_the_event_stream_with_a_retry_hint()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await JwtHost.StartAsync(
            new Dictionary<string, string?> { ["Auth:ClockSkew"] = "00:00:05", ["Sse:RetryMilliseconds"] = "4321" },
            services: s => s.AddKeyedSingleton<TimeProvider>(PlatformClock.Key, clock));
        var room = ApiHost.NewKey("exp");
        var token = host.Token("ada", publish: $"chat:{room}", subscribe: $"chat:{room}", lifetime: TimeSpan.FromMinutes(1));
        // Read raw: the retry at the end must be told apart from the one every stream starts with.
        using var response = await SseClient.SendAsync(host.Client, $"/api/chat/rooms/{room}/events?access_token={token}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = new StreamReader(await response.Content.ReadAsStreamAsync());
        var text = new System.Text.StringBuilder();
        var reading = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0) lock (text) text.Append(buffer, 0, read);
        });
        string Text() { lock (text) return text.ToString(); }

        // Just before the token stops being accepted (exp + skew) the stream still delivers.
        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(4));
        using (var posted = await host.PostAsync($"/api/chat/rooms/{room}/messages", token, new { author = "ada", text = "still here" })) Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        await Eventually.TrueAsync(() => Text().Contains("still here"), () => $"the message on the stream; got: {Text()}");
        Assert.False(reading.IsCompleted);

        clock.Advance(TimeSpan.FromSeconds(2));
        await reading.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.StartsWith("retry: 4321\n\n", Text());
        Assert.EndsWith("\n\nretry: 4321\n\n", Text());

        // The client that comes back with the same token is turned away; a fresh one is let in.
        using (var again = await SseClient.SendAsync(host.Client, $"/api/chat/rooms/{room}/events?access_token={token}")) await ApiHost.ReadProblem(again, 401);
        await using var fresh = await host.OpenStreamAsync($"/api/chat/rooms/{room}/events", host.Token("ada", subscribe: $"chat:{room}"));
    }
}
