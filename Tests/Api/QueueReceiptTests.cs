using System.Net;
using System.Text.Json.Nodes;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Api;

/// <summary>A host whose messages move to the dead-letter queue after two deliveries (and whose
/// visibility timeout, the default 30 s, is far beyond any wait below: a redelivery seen here was not
/// caused by a timeout).</summary>
public sealed class DeadLetterFixture : ApiFixture
{
    public const int MaxDeliveries = 2;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Queues:MaxDeliveries"] = MaxDeliveries.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>Receipts, foreign acks, nack, extend, dead letters, one connection per consumer and
/// resumes that do not replay acked bodies.</summary>
public sealed class QueueReceiptTests(DeadLetterFixture fixture) : IClassFixture<DeadLetterFixture>
{
    private ApiHost Host => fixture.Host;

    private async Task<long> EnqueueAsync(string queue, object body)
    {
        using var response = await Host.PostJsonAsync($"/api/queues/{queue}/messages", new { body });
        return (await ApiHost.Read(response, HttpStatusCode.Created))["id"]!.GetValue<long>();
    }

    private async Task<SseClient> ConnectAsync(string queue, string consumer, string? lastEventId = null)
    {
        var stream = await SseClient.OpenAsync(Host.Client, $"/api/queues/{queue}/events?consumer={consumer}", lastEventId);
        await Eventually.TrueAsync(async () => (await Host.GetJsonAsync($"/api/queues/{queue}"))["consumers"]!.AsArray().Any(c => c!.GetValue<string>() == consumer),
            $"{consumer} reported as connected");
        return stream;
    }

    private async Task<JsonNode> PostAsync(string queue, string action, object body, HttpStatusCode expected)
    {
        using var response = await Host.PostJsonAsync($"/api/queues/{queue}/{action}", body);
        if (expected == HttpStatusCode.NoContent)
        {
            Assert.True(response.StatusCode == expected, $"{action}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return new JsonObject();
        }
        return await ApiHost.ReadProblem(response, (int)expected);
    }

    private async Task<int> DepthAsync(string queue) => (await Host.GetJsonAsync($"/api/queues/{queue}"))["depth"]!.GetValue<int>();

    [Fact]
    public async Task Acking_an_id_the_consumer_does_not_hold_is_409_naming_it()
    {
        var queue = ApiHost.NewKey("q");
        await using var consumer = await ConnectAsync(queue, "c1");
        var first = await EnqueueAsync(queue, "one");
        var second = await EnqueueAsync(queue, "two");
        var a = (await consumer.NextOfTypeAsync("message")).Json();
        var b = (await consumer.NextOfTypeAsync("message")).Json();
        var receiptA = a["receipt"]!.GetValue<string>();
        var receiptB = b["receipt"]!.GetValue<string>();
        Assert.Equal(32, receiptA.Length);
        Assert.NotEqual(receiptA, receiptB);

        // Another consumer's ack of c1's delivery is refused and changes nothing.
        var foreign = await PostAsync(queue, "ack", new { consumer = "c2", ids = new[] { first } }, HttpStatusCode.Conflict);
        Assert.Equal([first], foreign["ids"]!.AsArray().Select(i => i!.GetValue<long>()));
        Assert.Equal(2, await DepthAsync(queue));

        // Not atomic: what c1 holds is acked, what it does not hold is named.
        var mixed = await PostAsync(queue, "ack", new { consumer = "c1", ids = new[] { first, 999 } }, HttpStatusCode.Conflict);
        Assert.Equal([999L], mixed["ids"]!.AsArray().Select(i => i!.GetValue<long>()));
        Assert.Equal(1, mixed["settled"]!.GetValue<int>());
        Assert.Contains("999", mixed["detail"]!.GetValue<string>());
        Assert.Equal(1, await DepthAsync(queue));

        // Acking an acked message again says so; a receipt acks like an id.
        Assert.Equal([first], (await PostAsync(queue, "ack", new { consumer = "c1", ids = new[] { first } }, HttpStatusCode.Conflict))["ids"]!.AsArray().Select(i => i!.GetValue<long>()));
        await PostAsync(queue, "ack", new { consumer = "c1", receipts = new[] { receiptB } }, HttpStatusCode.NoContent);
        var again = await PostAsync(queue, "ack", new { consumer = "c1", receipts = new[] { receiptB } }, HttpStatusCode.Conflict);
        Assert.Equal([receiptB], again["receipts"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(0, await DepthAsync(queue));
        Assert.Equal(second, b["id"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_second_connection_with_the_same_consumer_is_refused()
    {
        var queue = ApiHost.NewKey("q");
        var first = await ConnectAsync(queue, "solo");

        using (var second = await SseClient.SendAsync(Host.Client, $"/api/queues/{queue}/events?consumer=solo"))
        {
            Assert.Contains("solo", (await ApiHost.ReadProblem(second, 409))["detail"]!.GetValue<string>());
            Assert.NotNull(second.Headers.RetryAfter);
        }
        using (var multiplexed = await SseClient.SendAsync(Host.Client, $"/api/events?topic=queue:{queue}/solo"))
        {
            await ApiHost.ReadProblem(multiplexed, 409);
        }

        // Only the first connection gets the message.
        var id = await EnqueueAsync(queue, "only once");
        Assert.Equal(id, (await first.NextOfTypeAsync("message")).Json()["id"]!.GetValue<long>());

        // Once the first has gone, the name is free again.
        await first.DisposeAsync();
        SseClient? next = null;
        await Eventually.TrueAsync(async () => (next = await SseClient.TryOpenAsync(Host.Client, $"/api/queues/{queue}/events?consumer=solo")) is not null,
            "a new connection accepted once the first ended");
        await using var _ = next!;
        // What the first held and did not ack comes to the new connection at once (same receipt).
        Assert.Equal(id, (await next!.NextOfTypeAsync("message")).Json()["id"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_nacked_message_is_redelivered_at_once()
    {
        var queue = ApiHost.NewKey("q");
        await using var consumer = await ConnectAsync(queue, "c1");
        var id = await EnqueueAsync(queue, new { n = 1 });
        var first = (await consumer.NextOfTypeAsync("message")).Json();

        await PostAsync(queue, "nack", new { consumer = "c1", receipts = new[] { first["receipt"]!.GetValue<string>() } }, HttpStatusCode.NoContent);
        // Well within the 30 s visibility timeout.
        var again = (await consumer.NextOfTypeAsync("message")).Json();
        Assert.Equal((id, true, 2), (again["id"]!.GetValue<long>(), again["redelivered"]!.GetValue<bool>(), again["deliveryCount"]!.GetValue<int>()));
        Assert.NotEqual(first["receipt"]!.GetValue<string>(), again["receipt"]!.GetValue<string>());

        // The old receipt is spent; extend takes the new one, within the maximum.
        await PostAsync(queue, "extend", new { consumer = "c1", receipts = new[] { first["receipt"]!.GetValue<string>() }, seconds = 60 }, HttpStatusCode.Conflict);
        await PostAsync(queue, "extend", new { consumer = "c1", receipts = new[] { again["receipt"]!.GetValue<string>() }, seconds = 60 }, HttpStatusCode.NoContent);
        await PostAsync(queue, "extend", new { consumer = "c1", ids = new[] { id }, seconds = 12 * 3600 + 1 }, HttpStatusCode.BadRequest);
        await PostAsync(queue, "nack", new { consumer = "c1" }, HttpStatusCode.BadRequest);
        await PostAsync(queue, "ack", new { consumer = "c1", ids = new[] { id } }, HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_message_delivered_too_often_moves_to_the_dead_letter_queue()
    {
        var queue = ApiHost.NewKey("q");
        await using var consumer = await ConnectAsync(queue, "c1");
        var id = await EnqueueAsync(queue, new { poison = true });
        for (var delivery = 1; delivery <= DeadLetterFixture.MaxDeliveries; delivery++)
        {
            var message = (await consumer.NextOfTypeAsync("message")).Json();
            Assert.Equal((id, delivery), (message["id"]!.GetValue<long>(), message["deliveryCount"]!.GetValue<int>()));
            await PostAsync(queue, "nack", new { consumer = "c1", ids = new[] { id } }, HttpStatusCode.NoContent);
        }

        await Eventually.TrueAsync(async () => await DepthAsync(queue) == 0, "the message gone from its queue");
        Assert.Equal(1, await DepthAsync($"{queue}.dead"));
        await consumer.AssertQuietAsync(TimeSpan.FromMilliseconds(300));

        // The dead-letter queue is a queue like any other.
        await using var inspector = await ConnectAsync($"{queue}.dead", "inspector");
        var dead = (await inspector.NextOfTypeAsync("message")).Json();
        Assert.True(dead["body"]!["poison"]!.GetValue<bool>());
        await PostAsync($"{queue}.dead", "ack", new { consumer = "inspector", receipts = new[] { dead["receipt"]!.GetValue<string>() } }, HttpStatusCode.NoContent);
        Assert.Equal(0, await DepthAsync($"{queue}.dead"));
    }

    [Fact]
    public async Task Resuming_a_queue_stream_does_not_replay_acked_bodies()
    {
        var queue = ApiHost.NewKey("q");
        var first = await ConnectAsync(queue, "c1");
        var acked = await EnqueueAsync(queue, "secret, acked");
        var held = await EnqueueAsync(queue, "still held");
        await first.NextOfTypeAsync("message");
        var heldDelivery = (await first.NextOfTypeAsync("message")).Json();
        await PostAsync(queue, "ack", new { consumer = "c1", ids = new[] { acked } }, HttpStatusCode.NoContent);
        await first.DisposeAsync();
        await Eventually.TrueAsync(async () => (await Host.GetJsonAsync($"/api/queues/{queue}"))["consumers"]!.AsArray().Count == 0, "c1 gone");

        // From the very beginning of the stream, as anyone could ask: only what c1 still holds comes.
        SseClient? resumed = null;
        await Eventually.TrueAsync(async () => (resumed = await SseClient.TryOpenAsync(Host.Client, $"/api/queues/{queue}/events?consumer=c1", "0-0")) is not null,
            "a resumed connection once c1's name is released");
        await using var _ = resumed!;
        var again = (await resumed!.NextOfTypeAsync("message")).Json();
        Assert.Equal((held, "still held"), (again["id"]!.GetValue<long>(), again["body"]!.GetValue<string>()));
        Assert.Equal(heldDelivery["receipt"]!.GetValue<string>(), again["receipt"]!.GetValue<string>());
        await resumed.AssertQuietAsync(TimeSpan.FromMilliseconds(300));

        var later = await EnqueueAsync(queue, "new");
        Assert.Equal(later, (await resumed.NextOfTypeAsync("message")).Json()["id"]!.GetValue<long>());
    }

    [Fact]
    public async Task With_receipts_required_an_ack_by_id_is_400_and_by_receipt_204()
    {
        await using var host = await ApiHost.StartAsync(new Dictionary<string, string?> { ["Queues:RequireReceipts"] = "true" });
        var queue = ApiHost.NewKey("q");
        await using var consumer = await SseClient.OpenAsync(host.Client, $"/api/queues/{queue}/events?consumer=c1");
        using (var enqueued = await host.PostJsonAsync($"/api/queues/{queue}/messages", new { body = 1 })) Assert.Equal(HttpStatusCode.Created, enqueued.StatusCode);
        var message = (await consumer.NextOfTypeAsync("message")).Json();

        using (var byId = await host.PostJsonAsync($"/api/queues/{queue}/ack", new { consumer = "c1", ids = new[] { message["id"]!.GetValue<long>() } }))
        {
            Assert.Contains("receipts", (await ApiHost.ReadProblem(byId, 400))["detail"]!.GetValue<string>());
        }
        using var byReceipt = await host.PostJsonAsync($"/api/queues/{queue}/ack", new { consumer = "c1", receipts = new[] { message["receipt"]!.GetValue<string>() } });
        Assert.Equal(HttpStatusCode.NoContent, byReceipt.StatusCode);
    }
}
