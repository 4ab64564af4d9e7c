using GrainStream.Grains;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;
using GrainStream.Api.Presence;
using GrainStream.Streams;
using GrainStream.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Api;

/// <summary>A host with tiny buffers and history, so resumes go through every path: the relay's
/// ring, history pages, and the reset when history no longer reaches back. Its streams are written
/// through Kestrel (direct socket writes off), the path HTTPS and HTTP/2 connections take; the
/// other hosts write them straight to the socket.</summary>
public sealed class SmallHistoryFixture : ApiFixture
{
    public const int Retention = 10;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GrainStream:Streams:Retention:Kinds:chat:MaxEvents"] = Retention.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["GrainStream:Streams:CacheSize"] = "4",
        ["Sse:RelayBufferSize"] = "4",
        ["Sse:HistoryPageSize"] = "3",
        ["Sse:HeartbeatInterval"] = "00:00:00.200",
        ["Sse:RetryMilliseconds"] = "1234",
        ["Sse:PresenceLease"] = "00:00:01.500",
        ["Sse:RelayLinger"] = "00:00:00.300",
        ["Sse:DirectSocketWrites"] = "false",
    };
}

public sealed class SseResumeTests(ApiFixture fixture, SmallHistoryFixture small) : IClassFixture<ApiFixture>, IClassFixture<SmallHistoryFixture>
{
    private static async Task<long> PostAsync(ApiHost host, string room, string text)
    {
        using var response = await host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "pat", text });
        return (await ApiHost.Read(response, HttpStatusCode.Created))["id"]!.GetValue<long>();
    }

    private static long MessageId(SseItem<string> item) => item.Json()["id"]!.GetValue<long>();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Resume_while_posts_continue_loses_nothing_and_duplicates_nothing(bool byHeader)
    {
        var host = fixture.Host;
        var room = ApiHost.NewKey("resume");
        const int total = 60;
        var received = new List<long>();

        var first = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events");
        var posted = new List<long>();
        var posting = Task.Run(async () =>
        {
            for (var i = 0; i < total; i++) posted.Add(await PostAsync(host, room, $"m{i}"));
        });
        string? lastId = null;
        for (var i = 0; i < 10; i++)
        {
            var item = await first.NextOfTypeAsync("message");
            received.Add(MessageId(item));
            // The id of the last event handled (the parser may already have read further ahead).
            lastId = item.EventId;
        }
        Assert.NotNull(lastId);
        await first.DisposeAsync();

        // Posts go on while the client is away; it resumes from its last id.
        var path = $"/api/chat/rooms/{room}/events" + (byHeader ? "" : $"?lastEventId={Uri.EscapeDataString(lastId)}");
        await using var second = await SseClient.OpenAsync(host.Client, path, byHeader ? lastId : null);
        await posting.WaitAsync(TimeSpan.FromSeconds(60));
        var finalId = posted[^1];
        while (received[^1] < finalId) received.Add(MessageId(await second.NextOfTypeAsync("message")));

        Assert.Equal(posted, received);
    }

    [Fact]
    public async Task Resume_from_before_the_relay_buffer_replays_history_pages_then_goes_live()
    {
        var host = small.Host;
        var room = ApiHost.NewKey("pages");
        var ids = new List<long>();
        string? idOfSecond = null;
        await using (var live = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events"))
        {
            for (var i = 0; i < 8; i++) ids.Add(await PostAsync(host, room, $"p{i}"));
            for (var i = 0; i < 8; i++)
            {
                var item = await live.NextOfTypeAsync("message");
                if (i == 1) idOfSecond = item.EventId;
            }
        }

        await using var resumed = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events", idOfSecond);
        var replayed = await resumed.TakeAsync(6, "replayed messages");
        Assert.All(replayed, e => Assert.Equal("message", e.EventType));
        Assert.Equal(ids[2..], replayed.Select(MessageId));
        var next = await PostAsync(host, room, "live");
        Assert.Equal(next, MessageId(await resumed.NextOfTypeAsync("message")));
    }

    [Fact]
    public async Task An_id_older_than_the_retained_history_gets_a_reset_then_live_events()
    {
        var host = small.Host;
        var room = ApiHost.NewKey("old");
        string firstId;
        await using (var live = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events"))
        {
            await PostAsync(host, room, "first");
            firstId = (await live.NextOfTypeAsync("message")).EventId!;
        }
        for (var i = 0; i < SmallHistoryFixture.Retention * 3; i++) await PostAsync(host, room, $"filler {i}");

        await using var resumed = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events", firstId);
        var reset = await resumed.NextAsync("the reset");
        Assert.Equal("reset", reset.EventType);
        Assert.Equal("olderThanHistory", reset.Json()["reason"]!.GetValue<string>());
        Assert.NotNull(reset.EventId);
        // Not a replay: nothing older than the reset's position follows it. The node's relay may still
        // be catching up with the last fillers when the client joins; those arrive live, after the reset.
        var next = await PostAsync(host, room, "after the reset");
        Assert.True(EventPosition.TryParse(reset.EventId, out var resetAt));
        for (var received = 0; ; received++)
        {
            Assert.True(received <= SmallHistoryFixture.Retention * 3, "The message posted after the reset never arrived.");
            var message = await resumed.NextAsync("the live message");
            Assert.Equal("message", message.EventType);
            Assert.True(EventPosition.TryParse(message.EventId, out var at) && at.Sequence > resetAt.Sequence, $"{message.EventId} is not after the reset at {reset.EventId}.");
            if (MessageId(message) == next) break;
        }
    }

    [Fact]
    public async Task An_id_from_another_epoch_gets_a_reset_then_live_events()
    {
        var host = fixture.Host;
        var room = ApiHost.NewKey("epoch");
        await PostAsync(host, room, "before");
        await using var events = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events", "1-1");
        var reset = await events.NextAsync("the reset");
        Assert.Equal("reset", reset.EventType);
        Assert.Equal("epochChanged", reset.Json()["reason"]!.GetValue<string>());
        var next = await PostAsync(host, room, "after");
        var message = await events.NextAsync("the live message");
        Assert.Equal(next, MessageId(message));
        // The reset's id is a real position: resuming from it continues right after it.
        await events.DisposeAsync();
        await using var again = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events", reset.EventId);
        Assert.Equal(next, MessageId(await again.NextOfTypeAsync("message")));
    }

    [Fact]
    public async Task A_client_that_reconnects_before_any_event_resumes_from_where_it_joined()
    {
        var host = fixture.Host;
        var room = ApiHost.NewKey("join");
        await PostAsync(host, room, "old news");
        var first = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events");
        await Eventually.TrueAsync(() => first.LastEventId is { Length: > 0 }, "the position block");
        var joinedAt = first.LastEventId!;
        await first.DisposeAsync();

        var missed = await PostAsync(host, room, "while away");
        await using var second = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events", joinedAt);
        Assert.Equal(missed, MessageId(await second.NextOfTypeAsync("message")));
    }

    [Fact]
    public async Task The_header_wins_over_the_query_parameter()
    {
        var host = fixture.Host;
        var room = ApiHost.NewKey("wins");
        await PostAsync(host, room, "one");
        using (var good = await SseClient.SendAsync(host.Client, $"/api/chat/rooms/{room}/events?lastEventId=garbage", "0-0"))
        {
            Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        }
        using var bad = await SseClient.SendAsync(host.Client, $"/api/chat/rooms/{room}/events?lastEventId=0-0", "garbage");
        await ApiHost.ReadProblem(bad, 400);
    }

    [Fact]
    public async Task Heartbeat_comments_arrive_on_an_idle_stream_after_the_configured_retry()
    {
        var host = small.Host;
        using var response = await SseClient.SendAsync(host.Client, $"/api/chat/rooms/{ApiHost.NewKey("idle")}/events");
        await using var body = await response.Content.ReadAsStreamAsync();
        {
            var raw = await RawSse.ReadUntilAsync(body, t => t.Contains(": hb\n\n"), "a heartbeat", TimeSpan.FromSeconds(10));
            Assert.StartsWith("retry: 1234\n\n", raw);
        }
    }

    [Fact]
    public async Task Malformed_ids_are_400_before_any_event_bytes_and_the_server_keeps_serving()
    {
        var host = fixture.Host;
        var room = ApiHost.NewKey("bad-id");
        foreach (var id in new[] { "abc", "1-", "-1", "1-x", "zzzzzzzzzzzzzz-1", "1-99999999999999999999" })
        {
            using var response = await SseClient.SendAsync(host.Client, $"/api/chat/rooms/{room}/events", id);
            await ApiHost.ReadProblem(response, 400);
        }
        using var query = await host.Client.GetAsync($"/api/chat/rooms/{room}/events?lastEventId=nope");
        await ApiHost.ReadProblem(query, 400);
        await PostAsync(host, room, "still serving");
    }

    [Fact]
    public async Task Presence_is_renewed_while_connected_beyond_its_lease()
    {
        // On a manual clock: the node renews every third of the lease, and each renewal is let land
        // before time moves on, so the test shows the renewal, not this machine's scheduling.
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await ApiHost.StartAsync(
            new Dictionary<string, string?> { ["Sse:PresenceLease"] = "00:00:01.500" },
            services: s => s.AddKeyedSingleton<TimeProvider>(PlatformClock.Key, clock));
        var registry = host.Services.GetRequiredService<ConnectionRegistry>();
        var room = ApiHost.NewKey("lease");
        await using var watcher = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events");
        var dan = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events?user=dan");
        Assert.True((await watcher.NextOfTypeAsync("presence")).Json()["online"]!.GetValue<bool>());

        // Three leases pass in renewal steps; dan never drops out.
        for (var step = 0; step < 9; step++)
        {
            clock.Advance(TimeSpan.FromSeconds(0.5));
            await registry.ReportsInFlight().WaitAsync(TimeSpan.FromSeconds(10));
        }
        var summary = await host.GetJsonAsync($"/api/chat/rooms/{room}");
        Assert.Contains("dan", summary["onlineUsers"]!.AsArray().Select(u => u!.GetValue<string>()));
        await watcher.AssertQuietAsync(TimeSpan.FromSeconds(0.5));

        await dan.DisposeAsync();
        Assert.False((await watcher.NextOfTypeAsync("presence")).Json()["online"]!.GetValue<bool>());
    }
}
