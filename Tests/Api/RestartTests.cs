using System.Net;
using System.Text.Json.Nodes;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Api;

public sealed class RestartTests
{
    [Fact]
    public async Task A_restart_on_the_same_sqlite_file_keeps_everything_and_an_sse_client_resumes()
    {
        await using var host = await ApiHost.StartAsync();
        const string room = "lobby";
        async Task<long> Post(string text)
        {
            using var response = await host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "ria", text });
            return (await ApiHost.Read(response, HttpStatusCode.Created))["id"]!.GetValue<long>();
        }

        string lastSeen;
        await using (var events = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events"))
        {
            await Post("one");
            await Post("two");
            lastSeen = (await events.TakeAsync(2, "the first two messages"))[^1].EventId!;
        }
        var missed = await Post("three, while the client is away");
        using (var read = await host.PostJsonAsync($"/api/chat/rooms/{room}/read", new { user = "bob", upTo = missed })) Assert.Equal(HttpStatusCode.NoContent, read.StatusCode);
        using var created = await host.PostJsonAsync("/api/tasks", new { type = "later.job", queue = "restart" });
        var task = (await ApiHost.Read(created, HttpStatusCode.Created))["id"]!.GetValue<string>();
        for (var i = 0; i < 2; i++)
        {
            using var enqueued = await host.PostJsonAsync("/api/queues/jobs/messages", new { body = new { i } });
            Assert.Equal(HttpStatusCode.Created, enqueued.StatusCode);
        }

        await host.RestartAsync();

        var history = (await host.GetJsonAsync($"/api/chat/rooms/{room}/messages")).AsArray();
        Assert.Equal(["one", "two", "three, while the client is away"], history.Select(m => m!["text"]!.GetValue<string>()));
        var summary = await host.GetJsonAsync($"/api/chat/rooms/{room}");
        Assert.Equal(missed, summary["readReceipts"]!["bob"]!.GetValue<long>());
        Assert.Equal("queued", (await host.GetJsonAsync($"/api/tasks/{task}"))["status"]!.GetValue<string>());
        Assert.Equal(2, (await host.GetJsonAsync("/api/queues/jobs"))["depth"]!.GetValue<int>());

        // The client resumes with the id it had: the missed message (and the read receipt) from the
        // durable history, then live, with no duplicate.
        await using var resumed = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events", lastSeen);
        var replayed = await resumed.TakeAsync(2, "the missed events");
        Assert.Equal("message", replayed[0].EventType);
        Assert.Equal(missed, replayed[0].Json()["id"]!.GetValue<long>());
        Assert.Equal("read", replayed[1].EventType);
        var next = await Post("four, after the restart");
        var live = await resumed.NextAsync("the live message");
        Assert.Equal(next, live.Json()["id"]!.GetValue<long>());

        // The queue's messages survived and go to a consumer that connects now.
        await using var consumer = await SseClient.OpenAsync(host.Client, "/api/queues/jobs/events?consumer=after-restart");
        var bodies = (await consumer.TakeAsync(2, "the queued messages")).Select(e => e.Json()["body"]!["i"]!.GetValue<int>());
        Assert.Equal([0, 1], bodies);
    }

    [Fact]
    public async Task Stopping_the_host_ends_open_streams_promptly()
    {
        await using var host = await ApiHost.StartAsync();
        var events = await SseClient.OpenAsync(host.Client, "/api/chat/rooms/closing/events?user=zed");
        var stopping = host.RestartAsync();
        await events.EndAsync(TimeSpan.FromSeconds(10));
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        await events.DisposeAsync();
        // The new incarnation serves and the user from the old one is not left online.
        await Eventually.TrueAsync(async () => (await host.GetJsonAsync("/api/chat/rooms/closing"))["onlineUsers"]!.AsArray().Count == 0,
            "no ghost presence after the restart");
    }
}
