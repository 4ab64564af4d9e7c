using System.Net;

namespace GrainStream.Bench.Fanout;

/// <summary>One <see cref="SubscriberLoop"/> per core, subscribers dealt out round-robin; the
/// connect concurrency is shared between them.</summary>
internal sealed class SubscriberLoops : IDisposable
{
    private readonly SubscriberLoop[] _loops;
    private int _next;

    public SubscriberLoops(IPEndPoint endpoint, TimeSpan reconnectDelay, int connectConcurrency, bool honourRetry, ConnectTimeline timeline)
    {
        var count = Environment.ProcessorCount;
        _loops = [.. Enumerable.Range(0, count).Select(i => new SubscriberLoop(i, endpoint, reconnectDelay, Math.Max(1, connectConcurrency / count), honourRetry, timeline))];
    }

    public void Add(SseSubscriber subscriber) => _loops[_next++ % _loops.Length].Add(subscriber);

    /// <summary>Stops every loop and closes every connection (idempotent).</summary>
    public void Dispose()
    {
        foreach (var loop in _loops) loop.Dispose();
    }
}
