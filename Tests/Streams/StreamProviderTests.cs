using System.Collections.Concurrent;
using System.Text.Json;
using GrainStream.Streams;
using GrainStream.Tests.Platform;
using GrainStream.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using Orleans.TestingHost;

namespace GrainStream.Tests.Streams;

/// <summary>One two-silo cluster for the provider's specifications (each test uses its own stream).
/// Subscriptions renew every 100 ms, so a lost hub is noticed at once.</summary>
public sealed class StreamClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await StreamClusters.StartAsync(2);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

public static class StreamClusters
{
    public static Task<InProcessTestCluster> StartAsync(int silos, int maxEventsPerStream = 10_000) => ClusterFactory.StartAsync(silos, builder =>
    {
        builder.ConfigureEachSilo(silo =>
        {
            silo.Services.Configure<EventStreamOptions>(GrainStreamEventsExtensions.DefaultProviderName, FastRenewal);
            silo.Services.Configure<EventStreamOptions>(GrainStreamEventsExtensions.DefaultProviderName, o => o.Retention.MaxEvents = maxEventsPerStream);
        });
        builder.ConfigureClient(client => client.Services.Configure<EventStreamOptions>(GrainStreamEventsExtensions.DefaultProviderName, FastRenewal));
    });

    private static void FastRenewal(EventStreamOptions options)
    {
        options.RenewPeriod = TimeSpan.FromMilliseconds(100);
        options.SubscriptionLease = TimeSpan.FromSeconds(2);
        options.ResubscribeBackoff = TimeSpan.FromMilliseconds(50);
        options.GapTimeout = TimeSpan.FromMilliseconds(200);
    }

    public static string NewKey() => Guid.NewGuid().ToString("N");

    public static long[] Sequences(RawStreamRecorder recorder) => [.. recorder.Events.Select(e => e.Position.Sequence)];

    public static int[] Numbers(RawStreamRecorder recorder) => [.. recorder.Events.Select(e => JsonSerializer.Deserialize<TestEvent>(e.Payload.Span, JsonSerializerOptions.Web)!.N)];

    public static long[] Range(long first, long last) => [.. Enumerable.Range((int)first, (int)(last - first + 1)).Select(i => (long)i)];
}

public sealed class StreamProviderTests(StreamClusterFixture fixture) : IClassFixture<StreamClusterFixture>
{
    private InProcessTestCluster Cluster => fixture.Cluster;

    private ITestPublisherGrain Publisher(string key) => Cluster.Client.GetGrain<ITestPublisherGrain>(key);

    [Fact]
    public async Task Events_arrive_once_in_order_with_contiguous_sequences()
    {
        var key = StreamClusters.NewKey();
        var recorder = await RawStreamRecorder.SubscribeAsync(Cluster, TestPublisherGrain.StreamOf(key));
        var publisher = Publisher(key);
        for (var n = 1; n <= 100; n++) await publisher.Publish(n);

        await Eventually.TrueAsync(() => recorder.Events.Count >= 100, "100 events");
        Assert.Equal(StreamClusters.Range(1, 100), StreamClusters.Sequences(recorder));
        Assert.Equal(Enumerable.Range(1, 100), StreamClusters.Numbers(recorder));
        Assert.All(recorder.Events, e => Assert.Equal("test", e.EventName));
    }

    [Fact]
    public async Task Concurrent_publishes_are_numbered_without_gaps_and_acknowledged_with_their_position()
    {
        var key = StreamClusters.NewKey();
        var recorder = await RawStreamRecorder.SubscribeAsync(Cluster, TestPublisherGrain.StreamOf(key));
        var positions = await Task.WhenAll(Enumerable.Range(1, 200).Select(n => Publisher(key).PublishRaw(n)));

        Assert.Equal(StreamClusters.Range(1, 200), positions.Select(p => p.Sequence).Order());
        await Eventually.TrueAsync(() => recorder.Events.Count >= 200, "200 events");
        Assert.Equal(StreamClusters.Range(1, 200), StreamClusters.Sequences(recorder));
        // Each acknowledgement names the position its event has in the stream.
        var byNumber = recorder.Events.ToDictionary(e => JsonSerializer.Deserialize<TestEvent>(e.Payload.Span, JsonSerializerOptions.Web)!.N, e => e.Position);
        for (var n = 1; n <= 200; n++) Assert.Equal(byNumber[n], positions[n - 1]);
    }

    [Fact]
    public async Task Subscribing_from_a_token_while_publishing_replays_then_continues_with_no_gap_or_duplicate()
    {
        var key = StreamClusters.NewKey();
        var publisher = Publisher(key);
        for (var n = 1; n <= 50; n++) await publisher.Publish(n);
        var stream = Cluster.Client.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetEventStream(TestPublisherGrain.StreamOf(key));
        var epoch = (await stream.GetLastPositionAsync()).Epoch;

        var publishing = Task.Run(async () =>
        {
            for (var n = 51; n <= 300; n++) await publisher.Publish(n);
        });
        var recorder = await RawStreamRecorder.SubscribeAsync(Cluster, TestPublisherGrain.StreamOf(key), new EventPosition(epoch, 20));
        await publishing;

        await Eventually.TrueAsync(() => recorder.Events.LastOrDefault()?.Position.Sequence == 300, "the last event");
        Assert.Equal(StreamClusters.Range(21, 300), StreamClusters.Sequences(recorder));
        Assert.Empty(recorder.Truncations);
    }

    [Fact]
    public async Task Publishing_at_a_position_the_stream_has_passed_is_refused_and_publishes_nothing()
    {
        var key = StreamClusters.NewKey();
        var publisher = Publisher(key);
        var first = await publisher.PublishRaw(1);

        await publisher.PublishAt(2, first with { Sequence = 2 });
        var conflict = await Assert.ThrowsAsync<StreamPositionConflictException>(() => publisher.PublishAt(3, first with { Sequence = 2 }));

        Assert.Equal(first with { Sequence = 2 }, conflict.Last);
        var history = await Cluster.Client.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetEventStream(TestPublisherGrain.StreamOf(key)).ReadAsync(0, 10);
        Assert.Equal([1L, 2L], history.Events.Select(e => e.Position.Sequence));
    }

    [Fact]
    public async Task A_position_from_another_incarnation_gets_the_truncated_signal_before_the_history()
    {
        var key = StreamClusters.NewKey();
        var publisher = Publisher(key);
        for (var n = 1; n <= 3; n++) await publisher.Publish(n);
        var epoch = (await Cluster.Client.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetEventStream(TestPublisherGrain.StreamOf(key)).GetLastPositionAsync()).Epoch;

        var recorder = await RawStreamRecorder.SubscribeAsync(Cluster, TestPublisherGrain.StreamOf(key), new EventPosition(epoch - 1, 2));

        await Eventually.TrueAsync(() => recorder.Events.Count >= 3, "the whole history of the new incarnation");
        var truncated = Assert.Single(recorder.Truncations);
        Assert.Equal((StreamHistoryTruncationReason.EpochChanged, new EventPosition(epoch, 1)), (truncated.Reason, truncated.FirstAvailable));
        Assert.Equal(StreamClusters.Range(1, 3), StreamClusters.Sequences(recorder));
    }

    [Fact]
    public async Task A_deleted_stream_keeps_no_history_and_its_subscribers_are_told_before_the_next_incarnations_events()
    {
        var key = StreamClusters.NewKey();
        var publisher = Publisher(key);
        var recorder = await RawStreamRecorder.SubscribeAsync(Cluster, TestPublisherGrain.StreamOf(key));
        for (var n = 1; n <= 3; n++) await publisher.Publish(n);
        await Eventually.TrueAsync(() => recorder.Events.Count >= 3, "3 events");
        var stream = Cluster.Client.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetEventStream(TestPublisherGrain.StreamOf(key));
        var deletedEpoch = (await stream.GetLastPositionAsync()).Epoch;

        Assert.True(await stream.DeleteAsync());

        Assert.Empty((await stream.ReadAsync(0, 10)).Events);
        await Eventually.TrueAsync(() => recorder.Truncations.Count > 0, "the subscriber told that the history is gone");
        var truncated = Assert.Single(recorder.Truncations);
        Assert.Equal(StreamHistoryTruncationReason.EpochChanged, truncated.Reason);
        Assert.True(truncated.FirstAvailable.Epoch > deletedEpoch);
        await publisher.Publish(4);
        await Eventually.TrueAsync(() => recorder.Events.Count >= 4, "the next incarnation's first event");
        Assert.Equal(new EventPosition(truncated.FirstAvailable.Epoch, 1), recorder.Events.Last().Position);
    }

    [Fact]
    public async Task Typed_subscribers_get_items_with_position_tokens_and_the_truncated_signal_as_a_typed_error()
    {
        var key = StreamClusters.NewKey();
        var publisher = Publisher(key);
        await publisher.Publish(1);
        var epoch = (await Cluster.Client.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetEventStream(TestPublisherGrain.StreamOf(key)).GetLastPositionAsync()).Epoch;
        var items = new ConcurrentQueue<(TestEvent Item, StreamSequenceToken? Token)>();
        var errors = new ConcurrentQueue<Exception>();
        var stream = Cluster.Client.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetStream<TestEvent>(TestPublisherGrain.StreamOf(key));

        var handle = await stream.SubscribeAsync(
            (item, token) => { items.Enqueue((item, token)); return Task.CompletedTask; },
            error => { errors.Enqueue(error); return Task.CompletedTask; },
            new EventPositionToken(epoch, 5));
        await publisher.Publish(2);

        await Eventually.TrueAsync(() => !items.IsEmpty, "the live item");
        var (item, token) = Assert.Single(items);
        Assert.Equal((new TestEvent(2, "event 2"), new EventPositionToken(epoch, 2)), (item, token));
        var signal = Assert.IsType<StreamHistoryTruncatedException>(Assert.Single(errors));
        Assert.Equal(StreamHistoryTruncationReason.AheadOfStream, signal.Truncated.Reason);
        Assert.Single(await stream.GetAllSubscriptionHandles());
        await handle.UnsubscribeAsync();
        Assert.Empty(await stream.GetAllSubscriptionHandles());
    }

    [Fact]
    public async Task Deliveries_that_arrive_out_of_order_are_put_back_in_order_without_a_replay()
    {
        var key = StreamClusters.NewKey();
        var recorder = await RawStreamRecorder.SubscribeAsync(Cluster, TestPublisherGrain.StreamOf(key));
        var position = await Publisher(key).PublishRaw(1);
        await Eventually.TrueAsync(() => recorder.Events.Count == 1, "the first event");

        // Events 2 and 3 as only this test has them (a replay from the log could not produce them),
        // the later one first, as Orleans may deliver one-way messages.
        var endpoint = ((GrainStreamProvider)Cluster.Client.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName)).Endpoint;
        var hubKey = $"{GrainStreamEventsExtensions.DefaultProviderName}/{TestPublisherGrain.StreamOf(key)}";
        StreamDelivery Delivery(long sequence) => new(hubKey, [recorder.Handle.HandleId], null,
            [new StreamEvent(TestPublisherGrain.StreamOf(key), position with { Sequence = sequence }, "test", DateTimeOffset.UnixEpoch, "{}"u8.ToArray())]);
        await endpoint.Deliver(Delivery(3));
        await endpoint.Deliver(Delivery(2));

        await Eventually.TrueAsync(() => recorder.Events.Count >= 3, "the two held-back events");
        Assert.Equal(StreamClusters.Range(1, 3), StreamClusters.Sequences(recorder));
    }

    [Fact]
    public async Task A_subscription_that_misses_deliveries_fills_the_gap_from_the_log()
    {
        var key = StreamClusters.NewKey();
        var recorder = await RawStreamRecorder.SubscribeAsync(Cluster, TestPublisherGrain.StreamOf(key));
        var publisher = Publisher(key);
        await publisher.Publish(1);
        await Eventually.TrueAsync(() => recorder.Events.Count == 1, "the first event");

        // Lose the next deliveries on the way, as a dropped message would.
        var endpoint = ((GrainStreamProvider)Cluster.Client.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName)).Endpoint;
        var subscription = (IEventSubscription)recorder.Handle;
        endpoint.Remove(subscription);
        for (var n = 2; n <= 4; n++) await publisher.Publish(n);
        endpoint.Add(subscription);
        await publisher.Publish(5);

        await Eventually.TrueAsync(() => recorder.Events.Count >= 5, "five events");
        Assert.Equal(StreamClusters.Range(1, 5), StreamClusters.Sequences(recorder));
    }
}

public sealed class StreamFailoverTests
{
    [Fact]
    public async Task A_client_subscription_keeps_receiving_after_the_silo_of_the_publisher_is_killed()
    {
        await using var cluster = await StreamClusters.StartAsync(3);
        var key = StreamClusters.NewKey();
        var recorder = await RawStreamRecorder.SubscribeAsync(cluster, TestPublisherGrain.StreamOf(key));
        var publisher = cluster.Client.GetGrain<ITestPublisherGrain>(key);
        for (var n = 1; n <= 20; n++) await publisher.Publish(n);
        await Eventually.TrueAsync(() => recorder.Events.Count >= 20, "the first 20 events");

        var silo = cluster.SiloOf(publisher);
        await cluster.KillAndAwaitDeathAsync(silo);
        for (var n = 21; n <= 40; n++) await publisher.Publish(n);

        await Eventually.TrueAsync(() => recorder.Events.Count >= 40, "all 40 events after the failover", TimeSpan.FromSeconds(30));
        Assert.Equal(StreamClusters.Range(1, 40), StreamClusters.Sequences(recorder));
        Assert.Equal(Enumerable.Range(1, 40), StreamClusters.Numbers(recorder));
        Assert.NotEqual(silo.SiloAddress, cluster.SiloOf(publisher).SiloAddress);
    }

    [Fact]
    public async Task A_subscription_older_than_the_retained_history_gets_the_truncated_signal_then_what_is_kept()
    {
        await using var cluster = await StreamClusters.StartAsync(1, maxEventsPerStream: 10);
        var key = StreamClusters.NewKey();
        var publisher = cluster.Client.GetGrain<ITestPublisherGrain>(key);
        for (var n = 1; n <= 40; n++) await publisher.Publish(n);
        var stream = cluster.Client.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetEventStream(TestPublisherGrain.StreamOf(key));
        var last = await stream.GetLastPositionAsync();
        // The hub's memory holds the recent events; a new activation has only the log.
        await cluster.DeactivateAsync(cluster.Client.GetGrain<IStreamHubGrain>($"{GrainStreamEventsExtensions.DefaultProviderName}/{TestPublisherGrain.StreamOf(key)}"));

        var recorder = await RawStreamRecorder.SubscribeAsync(cluster, TestPublisherGrain.StreamOf(key), last with { Sequence = 1 });

        await Eventually.TrueAsync(() => recorder.Events.LastOrDefault()?.Position.Sequence == 40, "the retained history");
        var truncated = Assert.Single(recorder.Truncations);
        Assert.Equal(StreamHistoryTruncationReason.OlderThanHistory, truncated.Reason);
        var first = recorder.Events.First().Position.Sequence;
        Assert.Equal(truncated.FirstAvailable.Sequence, first);
        Assert.InRange(first, 3, 31);
        Assert.Equal(StreamClusters.Range(first, 40), StreamClusters.Sequences(recorder));
    }

    [Fact]
    public async Task A_subscription_to_a_history_trimmed_to_nothing_gets_the_truncated_signal_then_live_events()
    {
        await using var cluster = await StreamClusters.StartAsync(1);
        var key = StreamClusters.NewKey();
        var streamId = TestPublisherGrain.StreamOf(key);
        var publisher = cluster.Client.GetGrain<ITestPublisherGrain>(key);
        for (var n = 1; n <= 5; n++) await publisher.Publish(n);
        var stream = cluster.Client.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetEventStream(streamId);
        var last = await stream.GetLastPositionAsync();
        await cluster.DeactivateAsync(cluster.Client.GetGrain<IStreamHubGrain>($"{GrainStreamEventsExtensions.DefaultProviderName}/{streamId}"));
        // Everything ages out, as the retention sweep does to a quiet stream.
        var log = cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IEventLog>(GrainStreamEventsExtensions.DefaultProviderName);
        await log.TrimAsync(streamId, new EventRetention(1000, [], 1000, TimeSpan.FromSeconds(1)), DateTimeOffset.UtcNow.AddDays(1), 100);

        var recorder = await RawStreamRecorder.SubscribeAsync(cluster, streamId, last with { Sequence = 2 });
        await publisher.Publish(6);

        await Eventually.TrueAsync(() => recorder.Events.Count == 1, "the live event");
        var truncated = Assert.Single(recorder.Truncations);
        Assert.Equal(StreamHistoryTruncationReason.OlderThanHistory, truncated.Reason);
        Assert.Equal(6, truncated.FirstAvailable.Sequence);
        Assert.Equal([6L], StreamClusters.Sequences(recorder));
    }
}
