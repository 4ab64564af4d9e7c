using System.Text.Json;
using GrainStream.Grains.Queues;
using GrainStream.Streams;
using GrainStream.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers;
using Orleans.Storage;
using Orleans.TestingHost;

namespace GrainStream.Tests.Platform.Queues;

/// <summary>The queue's messages live in its own event log: a reload rebuilds them from it with the
/// stored acks and deliveries, an emptied queue leaves its log trimmed, and a state stored before the
/// log (messages inside) moves them there on activation.</summary>
public sealed class MessageQueueLogTests(QueueClusterFixture fixture) : IClassFixture<QueueClusterFixture>
{
    private static readonly TimeSpan LongLease = TimeSpan.FromMinutes(1);

    private InProcessTestCluster Cluster => fixture.Cluster;

    private IServiceProvider Silo => Cluster.Silos[0].ServiceProvider;

    private IEventLog Log => Silo.GetRequiredKeyedService<IEventLog>(GrainStreamEventsExtensions.DefaultProviderName);

    private IGrainStorage Storage => Silo.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);

    private static JsonElement Body(int n) => JsonDocument.Parse($"{{\"n\":{n}}}").RootElement.Clone();

    [Fact]
    public async Task An_ack_out_of_order_survives_a_reload_and_an_emptied_queue_leaves_its_log_trimmed()
    {
        var queue = Cluster.Client.GetGrain<IMessageQueueGrain>("log-gaps");
        var ids = new List<long>();
        for (var i = 1; i <= 4; i++) ids.Add(await queue.Enqueue(Body(i)));
        await queue.ReportConsumers("node-1", ["solo"], LongLease);
        Assert.Equal(1, await queue.Ack("solo", [ids[1]]));

        await ActivationControl.DeactivateAsync(Cluster, queue);

        Assert.Equal(3, (await queue.GetStats()).Depth);
        Assert.Equal(0, await queue.Ack("solo", [ids[1]]));
        foreach (var id in ids.Where(id => id != ids[1]))
        {
            await Eventually.TrueAsync(async () => await queue.Ack("solo", [id]) == 1, $"message {id} delivered and acked");
        }
        Assert.Equal(0, (await queue.GetStats()).Depth);
        var position = await Log.OpenAsync(QueueStreams.Messages("log-gaps"));
        Assert.Equal((ids[^1], ids[^1] + 1), (position.LastSequence, position.FirstSequence));
        Assert.True(await queue.Enqueue(Body(5)) > ids[^1]);
    }

    [Fact]
    public async Task A_state_stored_with_its_messages_moves_them_to_the_log_and_keeps_the_delivery_in_flight()
    {
        var queue = Cluster.Client.GetGrain<IMessageQueueGrain>("legacy");
        var enqueuedAt = DateTimeOffset.UtcNow.AddMinutes(-1);
        var legacy = new QueueState
        {
            Messages =
            [
                new QueuedMessage { Id = 7, Body = Body(1), EnqueuedAt = enqueuedAt, DeliveryCount = 1, Consumer = "solo", Receipt = "receipt-7", InvisibleUntil = DateTimeOffset.UtcNow.AddHours(1) },
                new QueuedMessage { Id = 9, Body = Body(2), EnqueuedAt = enqueuedAt },
                new QueuedMessage { Id = 12, Body = Body(3), EnqueuedAt = enqueuedAt },
            ],
        };
        await Storage.WriteStateAsync("state", queue.GetGrainId(), new GrainState<QueueState>(legacy));

        var stats = await queue.GetStats();

        Assert.Equal((3, 1), (stats.Depth, stats.InFlight));
        var events = await Log.ReadAsync(QueueStreams.Messages("legacy"), 0, 10);
        Assert.Equal([1, 2, 3], events.Select(e => JsonDocument.Parse(e.Payload).RootElement.GetProperty("n").GetInt32()));
        var stored = new GrainState<QueueState>(new QueueState());
        await Storage.ReadStateAsync("state", queue.GetGrainId(), stored);
        Assert.NotNull(stored.State);
        Assert.Null(stored.State.Messages);
        Assert.Equal(1, Assert.Single(stored.State.Deliveries).DeliveryCount);

        Assert.True((await queue.Acknowledge("solo", null, ["receipt-7"])).AllHeld);
        await ActivationControl.DeactivateAsync(Cluster, queue);
        Assert.Equal(2, (await queue.GetStats()).Depth);
    }
}
