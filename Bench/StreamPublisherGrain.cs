using System.Buffers.Text;
using System.Diagnostics;
using GrainStream.Streams;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Streams;

namespace GrainStream.Bench;

/// <summary>Publishes timestamped events to a stream until its run is stopped.</summary>
public interface IStreamPublisherGrain : IGrainWithStringKey
{
    /// <summary>Activates the publisher and, on a GrainStream provider, the stream's hub: the hub is
    /// placed on the silo of its first caller, so it lands beside the publisher.</summary>
    Task Prepare(string providerName, string streamKey);

    /// <summary>Publishes with at most <paramref name="window"/> publishes in flight until the run
    /// ends, then waits for them all.</summary>
    Task<PublishResult> Run(string runId, string providerName, string streamKey, int window);
}

/// <summary>What a publisher did.</summary>
/// <param name="Published">Publishes that succeeded.</param>
/// <param name="Failed">Publishes that failed (e.g. a full memory-stream queue).</param>
[GenerateSerializer, Immutable, Alias("bench.PublishResult")]
public readonly record struct PublishResult(long Published, long Failed);

/// <summary>On a GrainStream provider it publishes pre-serialised JSON (the publish time as a JSON
/// number) through <see cref="IEventStream.PublishAsync"/>, as an SSE relay's publisher would; on any
/// other provider it publishes <see cref="BenchTick"/>s with <c>OnNextAsync</c>.</summary>
[PreferLocalPlacement]
public sealed class StreamPublisherGrain : Grain, IStreamPublisherGrain
{
    /// <summary>The namespace of the benchmark's streams.</summary>
    public const string StreamNamespace = "bench";

    /// <inheritdoc/>
    public async Task Prepare(string providerName, string streamKey)
    {
        if (this.GetStreamProvider(providerName) is GrainStreamProvider provider)
        {
            await provider.GetEventStream(StreamId.Create(StreamNamespace, streamKey)).GetLastPositionAsync();
        }
    }

    /// <inheritdoc/>
    public async Task<PublishResult> Run(string runId, string providerName, string streamKey, int window)
    {
        var run = BenchRun.Get(runId);
        var provider = this.GetStreamProvider(providerName);
        var streamId = StreamId.Create(StreamNamespace, streamKey);
        Func<long, Task> publish = provider is GrainStreamProvider own
            ? PublishRaw(own.GetEventStream(streamId))
            : PublishTyped(provider.GetStream<BenchTick>(streamId));

        // Several publishes in flight, or each would wait for the one before it to be committed and
        // acknowledged; completions are taken in publish order.
        var inFlight = new Queue<Task>(window);
        var waiter = new Pacer.Waiter();
        long sequence = 0, published = 0, failed = 0;
        while (!run.Stopping)
        {
            if (run.Pacer is { } pacer) await pacer.WaitAsync(waiter);
            if (inFlight.Count >= window) await Settle(inFlight.Dequeue());
            inFlight.Enqueue(publish(++sequence));
        }
        while (inFlight.Count > 0) await Settle(inFlight.Dequeue());
        return new PublishResult(published, failed);

        async Task Settle(Task publication)
        {
            try
            {
                await publication;
                published++;
            }
            catch (Exception)
            {
                failed++;
            }
        }
    }

    // The stream's own numbering gives the order, so the payload is just the publish time.
    private static Func<long, Task> PublishRaw(IEventStream stream) => _ =>
    {
        var payload = new byte[20];
        Utf8Formatter.TryFormat(Stopwatch.GetTimestamp(), payload, out var length);
        return stream.PublishAsync("tick", payload.AsMemory(0, length));
    };

    private static Func<long, Task> PublishTyped(IAsyncStream<BenchTick> stream)
        => sequence => stream.OnNextAsync(new BenchTick(sequence, Stopwatch.GetTimestamp()));
}
