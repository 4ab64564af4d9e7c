using System.Net;
using System.Text.Json.Nodes;

namespace GrainStream.Tests.Api;

public sealed class ChatApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private ApiHost Host => fixture.Host;

    private async Task<JsonNode> PostAsync(string room, string text, string author = "ann", string? clientId = null, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var response = await Host.PostJsonAsync($"/api/chat/rooms/{room}/messages", clientId is null ? new { author, text } : new { author, text, clientId });
        return await ApiHost.Read(response, expected);
    }

    [Fact]
    public async Task Post_returns_201_with_the_message_and_history_returns_it_oldest_first()
    {
        var room = ApiHost.NewKey("room");
        var first = await PostAsync(room, "hello");
        await PostAsync(room, "world");
        Assert.Equal(room, first["room"]!.GetValue<string>());
        Assert.Equal("ann", first["author"]!.GetValue<string>());
        Assert.Equal("hello", first["text"]!.GetValue<string>());
        Assert.True(first["id"]!.GetValue<long>() > 0);
        Assert.NotNull(first["sentAt"]);

        var history = (await Host.GetJsonAsync($"/api/chat/rooms/{room}/messages")).AsArray();
        Assert.Equal(["hello", "world"], history.Select(m => m!["text"]!.GetValue<string>()));
        var after = (await Host.GetJsonAsync($"/api/chat/rooms/{room}/messages?after={first["id"]}&limit=10")).AsArray();
        Assert.Equal(["world"], after.Select(m => m!["text"]!.GetValue<string>()));
        var limited = (await Host.GetJsonAsync($"/api/chat/rooms/{room}/messages?limit=1")).AsArray();
        Assert.Single(limited);
    }

    [Fact]
    public async Task A_repeated_clientId_returns_the_first_message_with_200_and_no_duplicate()
    {
        var room = ApiHost.NewKey("room");
        var created = await PostAsync(room, "once", clientId: "c-1");
        var repeated = await PostAsync(room, "once", clientId: "c-1", expected: HttpStatusCode.OK);
        Assert.Equal(created.ToJsonString(), repeated.ToJsonString());
        Assert.Single((await Host.GetJsonAsync($"/api/chat/rooms/{room}/messages")).AsArray());
    }

    [Fact]
    public async Task Multi_line_text_round_trips_through_REST_and_SSE()
    {
        var room = ApiHost.NewKey("room");
        const string text = "first line\nsecond line\r\nthird: data: x\n\nlast";
        await using var events = await SseClient.OpenAsync(Host.Client, $"/api/chat/rooms/{room}/events");
        var posted = await PostAsync(room, text);
        Assert.Equal(text, posted["text"]!.GetValue<string>());

        var message = await events.NextOfTypeAsync("message");
        Assert.Equal(text, message.Json()["text"]!.GetValue<string>());
        Assert.Equal(posted["id"]!.GetValue<long>(), message.Json()["id"]!.GetValue<long>());
        var history = (await Host.GetJsonAsync($"/api/chat/rooms/{room}/messages")).AsArray();
        Assert.Equal(text, history.Single()!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_event_stream_has_the_contract_headers_retry_first_and_an_id_on_every_event()
    {
        var room = ApiHost.NewKey("room");
        using var response = await SseClient.SendAsync(Host.Client, $"/api/chat/rooms/{room}/events");
        await using var body = await response.Content.ReadAsStreamAsync();
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("no-cache", response.Headers.CacheControl?.ToString());
            Assert.Equal("no", response.Headers.GetValues("X-Accel-Buffering").Single());
            await PostAsync(room, "framed");
            var raw = await RawSse.ReadUntilAsync(body, t => t.Contains("event: message"), "the message event");
            Assert.StartsWith("retry: 3000\n", raw);
            var frame = raw.Split("\n\n").Single(block => block.Contains("event: message"));
            Assert.Matches("^id: [0-9a-z]+-[0-9]+\nevent: message\ndata: \\{", frame);
        }
    }

    [Fact]
    public async Task Read_receipts_return_204_emit_read_and_show_in_the_summary()
    {
        var room = ApiHost.NewKey("room");
        var message = await PostAsync(room, "read me");
        var id = message["id"]!.GetValue<long>();
        await using var events = await SseClient.OpenAsync(Host.Client, $"/api/chat/rooms/{room}/events");
        using (var response = await Host.PostJsonAsync($"/api/chat/rooms/{room}/read", new { user = "bob", upTo = id }))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }
        var read = (await events.NextOfTypeAsync("read")).Json();
        Assert.Equal("bob", read["user"]!.GetValue<string>());
        Assert.Equal(id, read["upTo"]!.GetValue<long>());

        var summary = await Host.GetJsonAsync($"/api/chat/rooms/{room}");
        Assert.Equal(1, summary["messageCount"]!.GetValue<long>());
        Assert.Equal(id, summary["lastId"]!.GetValue<long>());
        Assert.Equal(id, summary["readReceipts"]!["bob"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_user_is_online_while_connected_and_offline_after_disconnecting()
    {
        var room = ApiHost.NewKey("room");
        await using var watcher = await SseClient.OpenAsync(Host.Client, $"/api/chat/rooms/{room}/events");
        var alice = await SseClient.OpenAsync(Host.Client, $"/api/chat/rooms/{room}/events?user=alice");
        try
        {
            // The connecting client sees its own presence: it is registered once its stream is live.
            var own = (await alice.NextOfTypeAsync("presence")).Json();
            Assert.Equal("alice", own["user"]!.GetValue<string>());
            Assert.True(own["online"]!.GetValue<bool>());
            var seen = (await watcher.NextOfTypeAsync("presence")).Json();
            Assert.Contains("alice", seen["onlineUsers"]!.AsArray().Select(u => u!.GetValue<string>()));
            var summary = await Host.GetJsonAsync($"/api/chat/rooms/{room}");
            Assert.Contains("alice", summary["onlineUsers"]!.AsArray().Select(u => u!.GetValue<string>()));
        }
        finally
        {
            await alice.DisposeAsync();
        }

        var gone = (await watcher.NextOfTypeAsync("presence")).Json();
        Assert.Equal("alice", gone["user"]!.GetValue<string>());
        Assert.False(gone["online"]!.GetValue<bool>());
        Assert.DoesNotContain("alice", gone["onlineUsers"]!.AsArray().Select(u => u!.GetValue<string>()));
    }

    [Fact]
    public async Task Two_streams_of_one_user_keep_the_user_online_until_both_close()
    {
        var room = ApiHost.NewKey("room");
        await using var watcher = await SseClient.OpenAsync(Host.Client, $"/api/chat/rooms/{room}/events");
        var first = await SseClient.OpenAsync(Host.Client, $"/api/chat/rooms/{room}/events?user=carol");
        var second = await SseClient.OpenAsync(Host.Client, $"/api/chat/rooms/{room}/events?user=carol");
        Assert.True((await watcher.NextOfTypeAsync("presence")).Json()["online"]!.GetValue<bool>());
        await first.DisposeAsync();
        // Still online: a message posted now arrives before any presence change.
        await PostAsync(room, "still here?");
        Assert.Equal("message", (await watcher.NextAsync()).EventType);
        await second.DisposeAsync();
        var offline = (await watcher.NextOfTypeAsync("presence")).Json();
        Assert.False(offline["online"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("{\"author\":\"\",\"text\":\"x\"}", "author")]
    [InlineData("{\"author\":\"a\",\"text\":\"\"}", "text")]
    [InlineData("{\"text\":\"x\"}", "author")]
    public async Task Invalid_posts_are_400_problems_naming_the_field(string body, string field)
    {
        using var response = await Host.PostRawAsync($"/api/chat/rooms/{ApiHost.NewKey("room")}/messages", body, "application/json");
        var problem = await ApiHost.ReadProblem(response, 400);
        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task Too_long_text_and_author_are_400()
    {
        var room = ApiHost.NewKey("room");
        using (var response = await Host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "a", text = new string('x', 4001) }))
        {
            await ApiHost.ReadProblem(response, 400);
        }
        using (var response = await Host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = new string('a', 65), text = "x" }))
        {
            await ApiHost.ReadProblem(response, 400);
        }
        await PostAsync(room, new string('x', 4000), author: new string('a', 64));
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=1001")]
    [InlineData("limit=abc")]
    [InlineData("after=-1")]
    public async Task Bad_history_queries_are_400(string query)
    {
        using var response = await Host.Client.GetAsync($"/api/chat/rooms/{ApiHost.NewKey("room")}/messages?{query}");
        await ApiHost.ReadProblem(response, 400);
    }
}
