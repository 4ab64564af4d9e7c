using System.Buffers.Text;
using System.Text.Json.Nodes;
using GrainStream.Runtime;
using GrainStream.Runtime.Placement;
using GrainStream.Runtime.Streams;
using GrainStream.Runtime.Testing;
using GrainStream.Streams;

namespace GrainStream.Bench;

/// <summary>Stream events from a publisher grain to a cluster client subscriber over TCP.</summary>
internal static class StreamBenchmarks
{
    public static async Task<JsonObject> RunAsync(BenchOptions options)
    {
        await using var cluster = await Harness.StartClusterAsync(silos: 2);
        var json = new JsonObject { ["benchmark"] = "streams" };
        var setup = new JsonObject { ["publisher"] = "grain on the silo of the stream's hub", ["subscriber"] = "cluster client", ["window"] = options.Window, ["eventLog"] = "MemoryEventLog" };
        var result = await Harness.MaxAndHalfRateAsync("streams", "eventsPerSec", 200_000, run => RunOnceAsync(cluster, run, options.Window, setup), options, setup);
        foreach (var (key, value) in result) json[key] = value?.DeepClone();
        json["targets"] = new JsonObject { ["eventsPerSec"] = 200_000, ["halfRateP99Us"] = 2000 };
        return json;
    }

    /// <summary>One run on a fresh stream: subscribe from the client, publish until stopped, wait
    /// for the subscriber to have everything, and check that it arrived in order without gaps.</summary>
    private static async Task RunOnceAsync(InProcessTestCluster cluster, BenchRun run, int window, JsonObject setup)
    {
        var streamId = new StreamId("bench", run.Id);
        var factory = cluster.Silos[0].GrainFactory;
        var hub = Harness.IdOf(factory.GetGrain<IStreamHubGrain>(streamId.ToString()));
        var hubSilo = RendezvousPlacement.Choose(hub, cluster.Silos[0].Silo.ClusterView.ActiveSilos)!;
        var publisher = Harness.Keys<IStreamPublisherGrain>(cluster, hubSilo, $"publisher-{run.Id}", 1)[0];

        var observer = new LatencyObserver(run.Latency);
        var subscription = await cluster.Client.GetStreamProvider("default").GetRawStream(streamId).SubscribeAsync(observer);
        var published = await factory.GetGrain<IStreamPublisherGrain>(publisher).Run(run.Id, streamId.Namespace, streamId.Key, window);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (observer.Received < published && DateTime.UtcNow < deadline) await Task.Delay(10);
        await subscription.UnsubscribeAsync();

        var hubAddress = await cluster.Directory.LookupAsync(hub);
        var publisherAddress = await cluster.Directory.LookupAsync(Harness.IdOf(factory.GetGrain<IStreamPublisherGrain>(publisher)));
        setup["colocated"] = hubAddress is not null && publisherAddress is not null && hubAddress.Silo.Equals(publisherAddress.Silo);
        if (observer.Received != published || observer.OutOfOrder != 0)
        {
            Console.Error.WriteLine($"warning: published {published}, received {observer.Received}, out of order {observer.OutOfOrder}");
        }
    }

    private sealed class LatencyObserver(LatencyHistogram latency) : IStreamObserver
    {
        private long _last;
        private long _received;

        public long Received => Volatile.Read(ref _received);

        public long OutOfOrder { get; private set; }

        public ValueTask OnNextAsync(StreamEvent streamEvent)
        {
            if (Utf8Parser.TryParse(streamEvent.Payload.Span, out long published, out _)) latency.RecordSince(published);
            if (streamEvent.Token.Sequence != _last + 1) OutOfOrder++;
            _last = streamEvent.Token.Sequence;
            Interlocked.Increment(ref _received);
            return default;
        }

        public ValueTask OnHistoryTruncatedAsync(StreamHistoryTruncated truncated) => default;
    }
}
