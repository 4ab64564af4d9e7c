using System.Text.Json;
using GrainStream.Grains.Queues;
using Orleans.TestingHost;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Platform.Queues;

public sealed class MessageQueueGrainTests(QueueClusterFixture fixture) : IClassFixture<QueueClusterFixture>
{
    private static readonly TimeSpan LongLease = TimeSpan.FromMinutes(1);

    private InProcessTestCluster Cluster => fixture.Cluster;

    private IMessageQueueGrain Queue(string queue) => Cluster.Client.GetGrain<IMessageQueueGrain>(queue);

    private Task<RawStreamRecorder> ConnectAsync(string queue, string consumer) => RawStreamRecorder.SubscribeAsync(Cluster, QueueStreams.Consumer(queue, consumer));

    private static JsonElement Body(int n) => JsonDocument.Parse($"{{\"n\":{n}}}").RootElement.Clone();

    private static List<QueueDelivery> Deliveries(RawStreamRecorder consumer) => consumer.Of<QueueDelivery>("message");

    private static List<long> FirstDeliveries(RawStreamRecorder consumer) => [.. Deliveries(consumer).Where(d => d.DeliveryCount == 1).Select(d => d.Id)];

    [Fact]
    public async Task Each_message_goes_to_one_consumer_oldest_first()
    {
        var queue = Queue("competing");
        var consumers = new Dictionary<string, RawStreamRecorder>
        {
            ["c1"] = await ConnectAsync("competing", "c1"),
            ["c2"] = await ConnectAsync("competing", "c2"),
        };
        await queue.ReportConsumers("node-1", ["c1", "c2"], LongLease);
        var ids = new List<long>();
        for (var i = 1; i <= 6; i++) ids.Add(await queue.Enqueue(Body(i)));
        Assert.Equal(ids.Order(), ids);

        // Each consumer acks what it receives, as a client would, until everything is acked.
        var acked = new HashSet<long>();
        await Eventually.TrueAsync(async () =>
        {
            foreach (var (name, consumer) in consumers)
            {
                foreach (var delivery in Deliveries(consumer).Where(d => !acked.Contains(d.Id)).ToList())
                {
                    if (await queue.Ack(name, [delivery.Id]) == 1) acked.Add(delivery.Id);
                }
            }
            return acked.Count == ids.Count;
        }, "every message acked");

        var first = consumers.Values.SelectMany(FirstDeliveries).ToList();
        Assert.Equal(ids, first.Order());
        Assert.All(consumers.Values, c => Assert.NotEmpty(FirstDeliveries(c)));
        Assert.All(consumers.Values, c => Assert.Equal(FirstDeliveries(c).Order(), FirstDeliveries(c)));
        Assert.All(consumers.Values.SelectMany(Deliveries), d => Assert.Equal(ids.IndexOf(d.Id) + 1, d.Body.GetProperty("n").GetInt32()));
        var stats = await queue.GetStats();
        Assert.Equal((0, 0), (stats.Depth, stats.InFlight));
        Assert.Equal(["c1", "c2"], stats.Consumers);
    }

    [Fact]
    public async Task A_consumer_holds_at_most_the_in_flight_limit_and_gets_more_as_it_acks()
    {
        var queue = Queue("window");
        var ids = new List<long>();
        for (var i = 1; i <= 4; i++) ids.Add(await queue.Enqueue(Body(i)));
        Assert.Equal((4, 0), ((await queue.GetStats()).Depth, (await queue.GetStats()).InFlight));

        var solo = await ConnectAsync("window", "solo");
        await queue.ReportConsumers("node-1", ["solo"], LongLease);
        await Eventually.TrueAsync(() => FirstDeliveries(solo).Count >= QueueClusterFixture.MaxInFlight, "the first deliveries");
        Assert.Equal(ids[..2], FirstDeliveries(solo));
        Assert.Equal(2, (await queue.GetStats()).InFlight);

        Assert.Equal(1, await queue.Ack("solo", [ids[0]]));
        await Eventually.TrueAsync(() => FirstDeliveries(solo).Count >= 3, "a delivery after the first ack");
        Assert.Equal(2, await queue.Ack("solo", [ids[1], ids[2]]));
        await Eventually.TrueAsync(() => FirstDeliveries(solo).Count >= 4, "a delivery after the second ack");
        Assert.Equal(ids, FirstDeliveries(solo));
    }

    [Fact]
    public async Task Unacked_message_is_redelivered_flagged_after_visibility_timeout()
    {
        var queue = Queue("redeliver");
        var solo = await ConnectAsync("redeliver", "solo");
        await queue.ReportConsumers("node-1", ["solo"], LongLease);
        var id = await queue.Enqueue(Body(1));

        await Eventually.TrueAsync(() => Deliveries(solo).Count >= 2, "the redelivery");
        var deliveries = Deliveries(solo);
        Assert.Equal((id, false, 1), (deliveries[0].Id, deliveries[0].Redelivered, deliveries[0].DeliveryCount));
        Assert.Equal((id, true, 2), (deliveries[1].Id, deliveries[1].Redelivered, deliveries[1].DeliveryCount));
        Assert.Equal(deliveries[0].EnqueuedAt, deliveries[1].EnqueuedAt);
        var published = solo.Events.ToList();
        Assert.True(published[1].Timestamp - published[0].Timestamp >= QueueClusterFixture.VisibilityTimeout - TimeSpan.FromMilliseconds(100),
            "redelivered before the visibility timeout passed");

        Assert.Equal(1, await queue.Ack("solo", [id]));
        Assert.Equal(0, (await queue.GetStats()).Depth);
    }

    [Fact]
    public async Task Acked_message_is_not_redelivered()
    {
        var queue = Queue("acked");
        var solo = await ConnectAsync("acked", "solo");
        await queue.ReportConsumers("node-1", ["solo"], LongLease);
        var acked = await queue.Enqueue(Body(1));
        await Eventually.TrueAsync(() => Deliveries(solo).Count >= 1, "the delivery");
        Assert.Equal(1, await queue.Ack("solo", [acked]));

        // A second message left unacked is redelivered after the visibility timeout; by then the
        // acked one would have been too.
        var unacked = await queue.Enqueue(Body(2));
        await Eventually.TrueAsync(() => Deliveries(solo).Any(d => d.Id == unacked && d.Redelivered), "the unacked message's redelivery");
        Assert.Single(Deliveries(solo), d => d.Id == acked);
        Assert.Equal(1, (await queue.GetStats()).Depth);
    }

    [Fact]
    public async Task Ack_from_another_consumer_is_ignored()
    {
        var queue = Queue("owner");
        var c1 = await ConnectAsync("owner", "c1");
        await queue.ReportConsumers("node-1", ["c1"], LongLease);
        var id = await queue.Enqueue(Body(1));
        await Eventually.TrueAsync(() => Deliveries(c1).Count >= 1, "the delivery");

        Assert.Equal(0, await queue.Ack("c2", [id]));
        Assert.Equal(0, await queue.Ack("c1", [id + 100]));
        Assert.Equal(1, await queue.Ack("c1", [id]));
        Assert.Equal(0, await queue.Ack("c1", [id]));
    }

    [Fact]
    public async Task A_second_connection_with_the_same_consumer_is_refused_on_any_node()
    {
        var queue = Queue("exclusive");
        Assert.True(await queue.ClaimConsumer("node-1", "conn-1", "solo", LongLease));
        Assert.False(await queue.ClaimConsumer("node-1", "conn-2", "solo", LongLease));
        Assert.False(await queue.ClaimConsumer("node-2", "conn-3", "solo", LongLease));
        await queue.ReportConsumers("node-1", ["solo"], LongLease);

        // Released: another node may have it, but not while node 1 still reports it connected.
        await queue.ReleaseConsumer("solo", "conn-1");
        Assert.False(await queue.ClaimConsumer("node-2", "conn-3", "solo", LongLease));
        await queue.ReportConsumers("node-1", [], LongLease);
        Assert.True(await queue.ClaimConsumer("node-2", "conn-3", "solo", LongLease));
        Assert.False(await queue.ClaimConsumer("node-1", "conn-4", "solo", LongLease));
    }

    [Fact]
    public async Task A_message_delivered_too_often_moves_to_the_dead_letter_queue()
    {
        var queue = Queue("poison");
        var solo = await ConnectAsync("poison", "solo");
        await queue.ReportConsumers("node-1", ["solo"], LongLease);
        var id = await queue.Enqueue(Body(7));

        // Default Queues:MaxDeliveries (5): each delivery given back at once.
        for (var delivery = 1; delivery <= 5; delivery++)
        {
            await Eventually.TrueAsync(() => Deliveries(solo).Count >= delivery, $"delivery {delivery}");
            Assert.Equal(1, (await queue.Nack("solo", null, [Deliveries(solo)[delivery - 1].Receipt!])).Settled);
        }
        await Eventually.TrueAsync(async () => (await queue.GetStats()).Depth == 0, "the message gone from its queue");
        Assert.Equal(5, Deliveries(solo).Count);
        Assert.Equal(1, (await Queue("poison.dead").GetStats()).Depth);
        Assert.Null(QueueStreams.DeadLetterQueue("poison.dead"));
        Assert.Null(QueueStreams.DeadLetterQueue(new string('q', 124)));
        Assert.Equal(new string('q', 123) + ".dead", QueueStreams.DeadLetterQueue(new string('q', 123)));
        Assert.Equal(id, Deliveries(solo)[^1].Id);
    }

    [Fact]
    public async Task Queue_contents_and_consumer_leases_survive_deactivation()
    {
        var queue = Queue("durable");
        var ids = new List<long>();
        for (var i = 1; i <= 3; i++) ids.Add(await queue.Enqueue(Body(i)));
        var solo = await ConnectAsync("durable", "solo");
        await queue.ReportConsumers("node-1", ["solo"], LongLease);
        await Eventually.TrueAsync(() => FirstDeliveries(solo).Count >= 2, "two deliveries");

        await ActivationControl.DeactivateAsync(Cluster, queue);

        // Messages, deliveries in flight and the nodes' consumer leases are stored.
        var stats = await queue.GetStats();
        Assert.Equal((3, 2), (stats.Depth, stats.InFlight));
        Assert.Equal(["solo"], stats.Consumers);

        // No report since: the stored lease alone sends the timed-out deliveries back to the consumer.
        await Eventually.TrueAsync(() => Deliveries(solo).Count(d => d.Redelivered) >= 2, "redeliveries after re-activation");
        var again = Deliveries(solo).Where(d => d.Redelivered).Take(2).ToList();
        Assert.Equal(ids[..2], again.Select(d => d.Id));
        Assert.Equal(1, again[0].Body.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task A_queue_holding_messages_is_brought_back_by_its_reminder()
    {
        var queue = Queue("reminded");
        await queue.Enqueue(Body(1));
        await ActivationControl.DeactivateAsync(Cluster, queue);
        Assert.False(ActivationControl.IsActive(Cluster, queue));

        await Eventually.TrueAsync(() => ActivationControl.IsActive(Cluster, queue), "the reminder to re-activate the queue");
    }

    [Fact]
    public async Task Consumer_whose_lease_expired_receives_nothing()
    {
        var queue = Queue("lapsed");
        await queue.ReportConsumers("node-1", ["gone"], LongLease);
        Assert.Equal(["gone"], (await queue.GetStats()).Consumers);
        await queue.ReportConsumers("node-1", ["gone"], TimeSpan.FromMilliseconds(200));
        await Eventually.TrueAsync(async () => (await queue.GetStats()).Consumers.Count == 0, "the lease to expire");

        await queue.Enqueue(Body(1));
        var stats = await queue.GetStats();
        Assert.Equal((1, 0), (stats.Depth, stats.InFlight));
    }

    [Fact]
    public async Task Invalid_input_is_rejected()
    {
        var queue = Queue("invalid");
        var oversized = JsonDocument.Parse(JsonSerializer.Serialize(new string('x', QueueClusterFixture.MaxMessageBytes))).RootElement.Clone();
        Assert.Contains("body", (await Assert.ThrowsAsync<ArgumentException>(() => queue.Enqueue(oversized))).Message);
        Assert.Contains("consumer", (await Assert.ThrowsAsync<ArgumentException>(() => queue.Ack("not valid", [1]))).Message);
        Assert.Contains("lease", (await Assert.ThrowsAsync<ArgumentException>(() => queue.ReportConsumers("node-1", ["c1"], TimeSpan.Zero))).Message);
        Assert.Contains("consumers", (await Assert.ThrowsAsync<ArgumentException>(() => queue.ReportConsumers("node-1", [".."], LongLease))).Message);
        Assert.Equal(0, (await queue.GetStats()).Depth);
    }
}
