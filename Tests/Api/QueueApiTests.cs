using System.Net;
using System.Text.Json.Nodes;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Api;

/// <summary>A host whose queues redeliver after a short visibility timeout.</summary>
public sealed class ShortVisibilityFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Queues:VisibilityTimeout"] = "00:00:01.500",
        ["Queues:SweepInterval"] = "00:00:00.200",
    };
}

public sealed class QueueApiTests(ShortVisibilityFixture fixture) : IClassFixture<ShortVisibilityFixture>
{
    private ApiHost Host => fixture.Host;

    private async Task<long> EnqueueAsync(string queue, object body)
    {
        using var response = await Host.PostJsonAsync($"/api/queues/{queue}/messages", new { body });
        return (await ApiHost.Read(response, HttpStatusCode.Created))["id"]!.GetValue<long>();
    }

    private async Task AckAsync(string queue, string consumer, params long[] ids)
    {
        using var response = await Host.PostJsonAsync($"/api/queues/{queue}/ack", new { consumer, ids });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task A_connected_consumer_gets_messages_oldest_first_and_acks_them()
    {
        var queue = ApiHost.NewKey("q");
        await using var consumer = await SseClient.OpenAsync(Host.Client, $"/api/queues/{queue}/events?consumer=c1");
        await Eventually.TrueAsync(async () => (await Host.GetJsonAsync($"/api/queues/{queue}"))["consumers"]!.AsArray().Any(c => c!.GetValue<string>() == "c1"),
            "c1 reported as connected");

        var first = await EnqueueAsync(queue, new { n = 1 });
        var second = await EnqueueAsync(queue, "two");
        var a = (await consumer.NextOfTypeAsync("message")).Json();
        var b = (await consumer.NextOfTypeAsync("message")).Json();
        Assert.Equal(first, a["id"]!.GetValue<long>());
        Assert.Equal(1, a["body"]!["n"]!.GetValue<int>());
        Assert.False(a["redelivered"]!.GetValue<bool>());
        Assert.Equal(second, b["id"]!.GetValue<long>());
        Assert.Equal("two", b["body"]!.GetValue<string>());

        await AckAsync(queue, "c1", first, second);
        await Eventually.TrueAsync(async () => (await Host.GetJsonAsync($"/api/queues/{queue}"))["depth"]!.GetValue<int>() == 0, "an empty queue after the acks");
    }

    [Fact]
    public async Task An_unacked_message_is_delivered_again_flagged_redelivered()
    {
        var queue = ApiHost.NewKey("q");
        await using var consumer = await SseClient.OpenAsync(Host.Client, $"/api/queues/{queue}/events?consumer=lazy");
        await Eventually.TrueAsync(async () => (await Host.GetJsonAsync($"/api/queues/{queue}"))["consumers"]!.AsArray().Count == 1, "the consumer reported");
        var id = await EnqueueAsync(queue, new { job = "x" });

        var first = (await consumer.NextOfTypeAsync("message")).Json();
        Assert.False(first["redelivered"]!.GetValue<bool>());
        var stats = await Host.GetJsonAsync($"/api/queues/{queue}");
        Assert.Equal(1, stats["depth"]!.GetValue<int>());
        Assert.Equal(1, stats["inFlight"]!.GetValue<int>());

        var again = (await consumer.NextOfTypeAsync("message")).Json();
        Assert.Equal(id, again["id"]!.GetValue<long>());
        Assert.True(again["redelivered"]!.GetValue<bool>());
        Assert.True(again["deliveryCount"]!.GetValue<int>() >= 2);
        await AckAsync(queue, "lazy", id);
        await Eventually.TrueAsync(async () => (await Host.GetJsonAsync($"/api/queues/{queue}"))["depth"]!.GetValue<int>() == 0, "the acked message gone");
    }

    [Fact]
    public async Task Competing_consumers_each_get_different_messages_and_a_disconnect_is_reported()
    {
        var queue = ApiHost.NewKey("q");
        await using var one = await SseClient.OpenAsync(Host.Client, $"/api/queues/{queue}/events?consumer=one");
        var two = await SseClient.OpenAsync(Host.Client, $"/api/queues/{queue}/events?consumer=two");
        await Eventually.TrueAsync(async () => (await Host.GetJsonAsync($"/api/queues/{queue}"))["consumers"]!.AsArray().Count == 2, "both consumers reported");

        var ids = new List<long>();
        for (var i = 0; i < 6; i++) ids.Add(await EnqueueAsync(queue, i));
        var received = new List<long>();
        async Task Drain(SseClient client, string name)
        {
            while (true)
            {
                JsonNode message;
                try
                {
                    message = (await client.NextOfTypeAsync("message", TimeSpan.FromSeconds(1))).Json();
                }
                catch (TimeoutException)
                {
                    return;
                }
                var id = message["id"]!.GetValue<long>();
                lock (received) received.Add(id);
                await AckAsync(queue, name, id);
            }
        }
        await Task.WhenAll(Drain(one, "one"), Drain(two, "two"));
        Assert.Equal(ids, received.Order());

        await two.DisposeAsync();
        await Eventually.TrueAsync(async () => (await Host.GetJsonAsync($"/api/queues/{queue}"))["consumers"]!.AsArray().Select(c => c!.GetValue<string>()).SequenceEqual(["one"]),
            "the disconnected consumer gone from the stats");
    }

    [Fact]
    public async Task Queue_requests_are_validated()
    {
        var queue = ApiHost.NewKey("q");
        using (var noConsumer = await Host.Client.GetAsync($"/api/queues/{queue}/events")) await ApiHost.ReadProblem(noConsumer, 400);
        using (var badConsumer = await Host.Client.GetAsync($"/api/queues/{queue}/events?consumer=a%2Fb")) await ApiHost.ReadProblem(badConsumer, 400);
        using (var dots = await Host.Client.GetAsync($"/api/queues/{queue}/events?consumer=..")) await ApiHost.ReadProblem(dots, 400);
        using (var noBody = await Host.PostRawAsync($"/api/queues/{queue}/messages", "{}", "application/json")) await ApiHost.ReadProblem(noBody, 400);
        using (var noIds = await Host.PostJsonAsync($"/api/queues/{queue}/ack", new { consumer = "c", ids = Array.Empty<long>() })) await ApiHost.ReadProblem(noIds, 400);
        using (var tooBig = await Host.PostJsonAsync($"/api/queues/{queue}/messages", new { body = new string('x', 300 * 1024) })) await ApiHost.ReadProblem(tooBig, 400);
    }
}
