using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Api;

public sealed class StockAndEventsApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private ApiHost Host => fixture.Host;

    private async Task<JsonNode> QuoteAsync(string symbol, decimal price, long? volume = null)
    {
        using var response = await Host.PostJsonAsync($"/api/stocks/{symbol}/quotes", volume is null ? new { price } : new { price, volume });
        return await ApiHost.Read(response, HttpStatusCode.Created);
    }

    private async Task<long> PostAsync(string room, string text)
    {
        using var response = await Host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "mux", text });
        return (await ApiHost.Read(response, HttpStatusCode.Created))["id"]!.GetValue<long>();
    }

    [Fact]
    public async Task Quotes_are_201_summarised_and_streamed()
    {
        var symbol = ApiHost.NewKey("SYM");
        await using var events = await SseClient.OpenAsync(Host.Client, $"/api/stocks/{symbol}/events");
        var quote = await QuoteAsync(symbol, 10.5m, 100);
        Assert.Equal(symbol, quote["symbol"]!.GetValue<string>());
        Assert.Equal(10.5m, quote["price"]!.GetValue<decimal>());
        await QuoteAsync(symbol, 12m);
        await QuoteAsync(symbol, 9m);

        var streamed = (await events.TakeAsync(3, "quotes")).Select(e => { Assert.Equal("quote", e.EventType); return e.Json()["price"]!.GetValue<decimal>(); });
        Assert.Equal([10.5m, 12m, 9m], streamed);
        var summary = await Host.GetJsonAsync($"/api/stocks/{symbol}");
        Assert.Equal(9m, summary["last"]!["price"]!.GetValue<decimal>());
        Assert.Equal(10.5m, summary["open"]!.GetValue<decimal>());
        Assert.Equal(12m, summary["high"]!.GetValue<decimal>());
        Assert.Equal(9m, summary["low"]!.GetValue<decimal>());
        Assert.Equal(-1.5m, summary["change"]!.GetValue<decimal>());
    }

    [Theory]
    [InlineData("{\"price\":0}")]
    [InlineData("{\"price\":-1}")]
    [InlineData("{}")]
    [InlineData("{\"price\":1,\"volume\":-5}")]
    [InlineData("{\"price\":\"abc\"}")]
    [InlineData("{\"price\":1e999}")]
    public async Task Bad_quotes_are_400(string body)
    {
        using var response = await Host.PostRawAsync($"/api/stocks/{ApiHost.NewKey("S")}/quotes", body, "application/json");
        await ApiHost.ReadProblem(response, 400);
    }

    [Fact]
    public async Task One_connection_follows_many_topics_and_one_id_resumes_them_all()
    {
        var room = ApiHost.NewKey("mux");
        var symbol = ApiHost.NewKey("MUX");
        var path = $"/api/events?topic=chat:{room}&topic=stock:{symbol}";
        string resumeId;
        await using (var events = await SseClient.OpenAsync(Host.Client, path))
        {
            var id = await PostAsync(room, "hello");
            await QuoteAsync(symbol, 5m);
            var received = await events.TakeAsync(2, "the message and the quote");
            // Two streams: their relative order is not defined, each one's is.
            var first = received.Single(e => e.EventType == "message");
            var second = received.Single(e => e.EventType == "quote");
            Assert.Equal($"chat:{room}", first.Json()["topic"]!.GetValue<string>());
            Assert.Equal(id, first.Json()["data"]!["id"]!.GetValue<long>());
            Assert.Equal($"stock:{symbol}", second.Json()["topic"]!.GetValue<string>());
            Assert.Equal(5m, second.Json()["data"]!["price"]!.GetValue<decimal>());
            Assert.NotEqual(received[0].EventId, received[1].EventId);
            resumeId = received[1].EventId!;
        }

        // Both streams move on while the client is away; one id resumes both, without duplicates.
        var missedMessage = await PostAsync(room, "missed");
        await QuoteAsync(symbol, 6m);
        await using var resumed = await SseClient.OpenAsync(Host.Client, path, resumeId);
        var replayed = await resumed.TakeAsync(2, "the missed events");
        Assert.Contains(replayed, e => e.EventType == "message" && e.Json()["data"]!["id"]!.GetValue<long>() == missedMessage);
        Assert.Contains(replayed, e => e.EventType == "quote" && e.Json()["data"]!["price"]!.GetValue<decimal>() == 6m);
        await resumed.AssertQuietAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task The_multiplexed_stream_covers_tasks_task_queues_logs_and_queue_consumers()
    {
        var queue = ApiHost.NewKey("tq");
        using var created = await Host.PostJsonAsync("/api/tasks", new { type = "mux.job", queue });
        var task = (await ApiHost.Read(created, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var log = ApiHost.NewKey("mux") + ".log";
        await File.WriteAllTextAsync(Path.Combine(Host.LogRoot, log), "");
        var mq = ApiHost.NewKey("mq");
        var path = $"/api/events?topic=task:{task}&topic=tasks:{queue}&topic=log:{log}&topic=queue:{mq}/reader";
        await using var events = await SseClient.OpenAsync(Host.Client, path);

        using (var cancel = await Host.Client.PostAsync($"/api/tasks/{task}/cancel", null)) Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        using (var lines = await Host.PostRawAsync($"/api/logs/{log}/lines", "hello log", "text/plain")) Assert.Equal(HttpStatusCode.Accepted, lines.StatusCode);
        await Eventually.TrueAsync(async () => (await Host.GetJsonAsync($"/api/queues/{mq}"))["consumers"]!.AsArray().Count == 1, "the multiplexed consumer reported");
        using (var enqueue = await Host.PostJsonAsync($"/api/queues/{mq}/messages", new { body = "hi" })) Assert.Equal(HttpStatusCode.Created, enqueue.StatusCode);

        var topics = new HashSet<string>();
        while (topics.Count < 4)
        {
            var item = await events.NextAsync("events of all four topics");
            topics.Add(item.Json()["topic"]!.GetValue<string>());
        }
        Assert.Equal([$"log:{log}", $"queue:{mq}/reader", $"task:{task}", $"tasks:{queue}"], topics.Order());
    }

    [Theory]
    [InlineData("")]
    [InlineData("?topic=nope")]
    [InlineData("?topic=weather:x")]
    [InlineData("?topic=chat:")]
    [InlineData("?topic=chat:a%2Fb")]
    [InlineData("?topic=log:..")]
    [InlineData("?topic=queue:q")]
    [InlineData("?topic=queue:q/..")]
    public async Task Bad_topics_are_400(string query)
    {
        using var response = await Host.Client.GetAsync($"/api/events{query}");
        await ApiHost.ReadProblem(response, 400);
    }

    [Fact]
    public async Task More_than_32_topics_and_a_malformed_cursor_are_400()
    {
        var many = string.Join('&', Enumerable.Range(0, 33).Select(i => $"topic=chat:r{i}"));
        using (var response = await Host.Client.GetAsync($"/api/events?{many}")) await ApiHost.ReadProblem(response, 400);
        var notACursor = Convert.ToBase64String(Encoding.UTF8.GetBytes("chat:x=garbage")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        foreach (var id in new[] { "1-1", "!!!", notACursor })
        {
            using var bad = await SseClient.SendAsync(Host.Client, "/api/events?topic=chat:x", id);
            await ApiHost.ReadProblem(bad, 400);
        }
    }
}
