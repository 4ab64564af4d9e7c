using System.Text.Json;
using GrainStream.Grains.Queues;
using GrainStream.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace GrainStream.Tests.Platform.Queues;

/// <summary>What an enqueue and an ack write does not grow with the queue's depth: an enqueue is one
/// event in the message log and no state write; an ack one state write the size of what is in flight.
/// Counted through a counting event log and grain storage, at 10 and at 5,000 messages queued.</summary>
public sealed class MessageQueueWriteCostTests
{
    private static readonly TimeSpan LongLease = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task An_enqueue_and_an_ack_write_as_much_at_depth_5000_as_at_depth_10()
    {
        CountingEventLog? log = null;
        CountingGrainStorage? storage = null;
        var cluster = await GrainClusterFactory.StartAsync(silo =>
        {
            silo.Services.AddQueueGrains(silo.Configuration);
            silo.Services.Configure<QueueOptions>(o =>
            {
                o.MaxInFlightPerConsumer = 1;
                o.VisibilityTimeout = TimeSpan.FromMinutes(5);
            });
            CountingEventLog.Decorate(silo.Services, created => log = created);
            CountingGrainStorage.Decorate(silo.Services, created => storage = created);
        });
        try
        {
            var shallow = await MeasureAsync(cluster, "shallow", 10, log!, storage!);
            var deep = await MeasureAsync(cluster, "deep", 5_000, log!, storage!);

            // An enqueue: one event of the body's size in the message log, nothing stored in the state.
            Assert.Equal((1L, 0), (shallow.EnqueueEvents, shallow.EnqueueStateWrites));
            Assert.Equal(shallow with { AckStateBytes = 0 }, deep with { AckStateBytes = 0 });
            Assert.Equal(1, deep.AckStateWrites);
            // An ack: one state write holding the next delivery, not the 5,000 messages (the lengths
            // of timestamps may differ by a digit or two).
            Assert.InRange(deep.AckStateBytes, 1, 512);
            Assert.InRange(deep.AckStateBytes, shallow.AckStateBytes - 8, shallow.AckStateBytes + 8);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    private static async Task<Cost> MeasureAsync(InProcessTestCluster cluster, string name, int depth, CountingEventLog log, CountingGrainStorage storage)
    {
        var queue = cluster.Client.GetGrain<IMessageQueueGrain>(name);
        var messages = QueueStreams.Messages(name);
        var first = await queue.Enqueue(Body(0));
        for (var sent = 1; sent < depth; sent += 500)
        {
            await Task.WhenAll(Enumerable.Range(sent, Math.Min(500, depth - sent)).Select(i => queue.Enqueue(Body(i))));
        }
        Assert.Equal(depth, (await queue.GetStats()).Depth);

        var (eventsBefore, bytesBefore, stateBefore) = (log.Of(messages).Events, log.BytesOf(messages), storage.Of(queue.GetGrainId(), "state"));
        await queue.Enqueue(Body(depth));
        var (eventsAfterEnqueue, bytesAfterEnqueue, stateAfterEnqueue) = (log.Of(messages).Events, log.BytesOf(messages), storage.Of(queue.GetGrainId(), "state"));

        // The consumer gets the oldest message; acking it stores that and the next delivery.
        await queue.ReportConsumers("node-1", ["c1"], LongLease);
        var eventsBeforeAck = log.Of(messages).Events;
        var stateBeforeAck = storage.Of(queue.GetGrainId(), "state");
        Assert.Equal(1, await queue.Ack("c1", [first]));
        var stateAfterAck = storage.Of(queue.GetGrainId(), "state");

        return new Cost(
            eventsAfterEnqueue - eventsBefore,
            bytesAfterEnqueue - bytesBefore,
            stateAfterEnqueue.Writes - stateBefore.Writes,
            log.Of(messages).Events - eventsBeforeAck,
            stateAfterAck.Writes - stateBeforeAck.Writes,
            stateAfterAck.Bytes - stateBeforeAck.Bytes);
    }

    private static JsonElement Body(int n) => JsonDocument.Parse($"{{\"n\":{n % 10}}}").RootElement.Clone();

    private sealed record Cost(long EnqueueEvents, long EnqueueEventBytes, int EnqueueStateWrites, long AckEvents, int AckStateWrites, long AckStateBytes);
}
