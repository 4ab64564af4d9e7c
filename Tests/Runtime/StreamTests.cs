using System.Collections.Concurrent;
using System.Text;
using GrainStream.Runtime;
using GrainStream.Runtime.Configuration;
using GrainStream.Runtime.Hosting;
using GrainStream.Runtime.Storage;
using GrainStream.Runtime.Testing;
using GrainStream.Streams;
using GrainStream.Tests.TestGrains;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Runtime;

public sealed class StreamTests
{
    private static ReadOnlyMemory<byte> Json(int value) => Encoding.UTF8.GetBytes(value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static int Value(StreamEvent e) => int.Parse(Encoding.UTF8.GetString(e.Payload.Span), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Collects what a subscription receives and checks it as it arrives.</summary>
    private sealed class Recorder : IStreamObserver
    {
        public ConcurrentQueue<StreamEvent> Events { get; } = new();

        public ConcurrentQueue<StreamHistoryTruncated> Truncations { get; } = new();

        public ValueTask OnNextAsync(StreamEvent streamEvent)
        {
            Events.Enqueue(streamEvent);
            return default;
        }

        public ValueTask OnHistoryTruncatedAsync(StreamHistoryTruncated truncated)
        {
            Truncations.Enqueue(truncated);
            return default;
        }

        public long[] Sequences => [.. Events.Select(e => e.Token.Sequence)];
    }

    private static void AssertContiguous(long[] sequences, long first, long last)
    {
        Assert.Equal(Enumerable.Range((int)first, (int)(last - first + 1)).Select(i => (long)i), sequences);
    }

    [Fact]
    public async Task Events_arrive_in_publish_order_with_consecutive_sequences()
    {
        await using var cluster = await ClusterFactory.StartAsync(2);
        var stream = cluster.Client.GetStreamProvider("default").GetRawStream(new StreamId("test", "order"));
        var recorder = new Recorder();
        await stream.SubscribeAsync(recorder);
        var publisher = cluster.Client.GetGrain<IStreamUserGrain>("publisher");
        for (var i = 1; i <= 200; i++) await publisher.Publish("order", i);

        await Eventually.TrueAsync(() => recorder.Events.Count >= 200, "200 events");
        AssertContiguous(recorder.Sequences, 1, 200);
        Assert.Equal(Enumerable.Range(1, 200), recorder.Events.Select(Value));
        Assert.All(recorder.Events, e => Assert.Equal("number", e.EventName));
    }

    [Fact]
    public async Task Subscribing_from_sequence_N_while_the_grain_keeps_publishing_is_gap_free_and_duplicate_free()
    {
        await using var cluster = await ClusterFactory.StartAsync(2);
        var publisher = cluster.Client.GetGrain<IStreamUserGrain>("handover");
        var total = 600;
        StreamSequenceToken tenth = default;
        var publishing = Task.Run(async () =>
        {
            for (var i = 1; i <= total; i++)
            {
                var token = await publisher.Publish("handover", i);
                if (i == 10) tenth = token;
            }
        });
        await Eventually.TrueAsync(async () => (await cluster.Client.GetStreamProvider("default").GetRawStream(new StreamId("test", "handover")).GetLastTokenAsync()).Sequence >= 100, "100 events published");

        var recorder = new Recorder();
        await cluster.Client.GetStreamProvider("default").GetRawStream(new StreamId("test", "handover")).SubscribeAsync(recorder, tenth);
        await publishing;
        await Eventually.TrueAsync(() => recorder.Events.Count >= total - 10, $"{total - 10} events");
        AssertContiguous(recorder.Sequences, 11, total);
        Assert.Empty(recorder.Truncations);
    }

    [Fact]
    public async Task Asking_for_events_older_than_history_gives_an_explicit_truncation_signal_first()
    {
        await using var cluster = await ClusterFactory.StartAsync(1, b =>
        {
            b.EventLog = new MemoryEventLog(TimeProvider.System, maxEventsPerStream: 10);
            b.ConfigureSilo(s => s.Configure<StreamOptions>(o => o.CacheSize = 4));
        });
        var stream = cluster.Client.GetStreamProvider("default").GetRawStream(new StreamId("test", "short"));
        StreamSequenceToken last = default;
        for (var i = 1; i <= 50; i++) last = await stream.PublishAsync("number", Json(i));

        var recorder = new Recorder();
        await stream.SubscribeAsync(recorder, last with { Sequence = 5 });
        await Eventually.TrueAsync(() => recorder.Events.Count >= 10, "the retained events");
        var truncated = Assert.Single(recorder.Truncations);
        Assert.Equal(StreamHistoryTruncationReason.OlderThanHistory, truncated.Reason);
        Assert.Equal(41, truncated.FirstAvailable.Sequence);
        AssertContiguous(recorder.Sequences, 41, 50);
    }

    [Fact]
    public async Task A_token_from_another_incarnation_of_the_stream_is_signalled_as_epoch_change()
    {
        await using var cluster = await ClusterFactory.StartAsync(1);
        var stream = cluster.Client.GetStreamProvider("default").GetRawStream(new StreamId("test", "epoch"));
        var first = await stream.PublishAsync("number", Json(1));
        await stream.PublishAsync("number", Json(2));

        var recorder = new Recorder();
        await stream.SubscribeAsync(recorder, new StreamSequenceToken(first.Epoch - 1, 7));
        await Eventually.TrueAsync(() => recorder.Events.Count >= 2, "the current incarnation's events");
        Assert.Equal(StreamHistoryTruncationReason.EpochChanged, Assert.Single(recorder.Truncations).Reason);
        AssertContiguous(recorder.Sequences, 1, 2);
    }

    [Fact]
    public async Task Grain_subscriptions_receive_events_as_turns()
    {
        await using var cluster = await ClusterFactory.StartAsync(2);
        var subscriber = cluster.Client.GetGrain<IStreamUserGrain>("subscriber");
        await subscriber.Subscribe("to-grain");
        var publisher = cluster.Client.GetGrain<IStreamUserGrain>("grain-publisher");
        for (var i = 1; i <= 50; i++) await publisher.Publish("to-grain", i);
        await Eventually.TrueAsync(async () => (await subscriber.Received()).Count >= 50, "50 events at the subscriber grain");
        Assert.Equal(Enumerable.Range(1, 50), await subscriber.Received());
    }

    [Fact]
    public async Task Client_subscription_keeps_receiving_without_loss_or_duplicate_after_the_stream_silo_is_killed()
    {
        await using var cluster = await ClusterFactory.StartAsync(3);
        var streamId = new StreamId("test", "failover");
        var stream = cluster.Client.GetStreamProvider("default").GetRawStream(streamId);
        var recorder = new Recorder();
        await stream.SubscribeAsync(recorder);

        var published = 0;
        async Task PublishAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                // A publish in flight when the silo dies fails; the test publishes again, as a client would.
                while (true)
                {
                    try
                    {
                        await stream.PublishAsync("number", Json(++published));
                        break;
                    }
                    catch (Exception exception) when (exception is SiloUnavailableException or TimeoutException)
                    {
                        await Task.Delay(20);
                    }
                }
            }
        }

        await PublishAsync(100);
        var hub = await cluster.Directory.LookupAsync(new GrainId("sys.streamhub", streamId.ToString()));
        var victim = cluster.Silos.Single(s => s.Silo.Address.Equals(hub!.Silo));
        var killing = cluster.KillSiloAsync(victim);
        await PublishAsync(100);
        await killing;
        await cluster.WaitForLivenessToStabilizeAsync();
        await PublishAsync(100);

        var last = (await stream.GetLastTokenAsync()).Sequence;
        Assert.True(last >= 300);
        await Eventually.TrueAsync(() => recorder.Events.Count >= last, $"all {last} events in the log at the subscriber (have {recorder.Events.Count})");
        AssertContiguous(recorder.Sequences, 1, last);
    }
}
