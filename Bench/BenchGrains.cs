using System.Buffers.Text;
using System.Diagnostics;
using GrainStream.Streams;

namespace GrainStream.Bench;

/// <summary>The call target: returns its argument.</summary>
public interface IEchoGrain : IGrainWithStringKey
{
    Task<int> Echo(int value);
}

public sealed class EchoGrain : Grain, IEchoGrain
{
    public Task<int> Echo(int value) => Task.FromResult(value);
}

/// <summary>Issues calls from inside a silo, as grain code does, until its run is stopped.</summary>
public interface ICallDriverGrain : IGrainWithStringKey
{
    /// <summary>Runs <paramref name="workers"/> call loops over <paramref name="targetKeys"/> until the run ends; returns the calls made.</summary>
    Task<long> Run(string runId, string[] targetKeys, int workers);
}

public sealed class CallDriverGrain : Grain, ICallDriverGrain
{
    public async Task<long> Run(string runId, string[] targetKeys, int workers)
    {
        var run = BenchRun.Get(runId);
        var targets = targetKeys.Select(k => GrainFactory.GetGrain<IEchoGrain>(k)).ToArray();
        var loops = new Task<long>[workers];
        // Every loop continues on this activation's context, as grain code does.
        for (var i = 0; i < workers; i++) loops[i] = CallLoopAsync(run, targets, i);
        long total = 0;
        foreach (var loop in loops) total += await loop;
        return total;
    }

    /// <summary>One caller: awaits each call before the next (and a permit first when paced).</summary>
    internal static async Task<long> CallLoopAsync(BenchRun run, IEchoGrain[] targets, int worker)
    {
        long calls = 0;
        var next = worker % targets.Length;
        var waiter = new Pacer.Waiter();
        while (!run.Stopping)
        {
            if (run.Pacer is { } pacer) await pacer.WaitAsync(waiter);
            var start = Stopwatch.GetTimestamp();
            await targets[next].Echo(worker);
            run.Latency.RecordSince(start);
            calls++;
            if (++next == targets.Length) next = 0;
        }
        return calls;
    }
}

/// <summary>Publishes timestamped events to a stream until its run is stopped.</summary>
public interface IStreamPublisherGrain : IGrainWithStringKey
{
    /// <summary>Publishes with at most <paramref name="window"/> publishes in flight; returns the events published.</summary>
    Task<long> Run(string runId, string streamNamespace, string streamKey, int window);
}

public sealed class StreamPublisherGrain : Grain, IStreamPublisherGrain
{
    public async Task<long> Run(string runId, string streamNamespace, string streamKey, int window)
    {
        var run = BenchRun.Get(runId);
        var stream = GetStreamProvider("default").GetRawStream(new StreamId(streamNamespace, streamKey));
        var inFlight = new Queue<Task<StreamSequenceToken>>(window);
        var waiter = new Pacer.Waiter();
        long published = 0;
        while (!run.Stopping)
        {
            if (run.Pacer is { } pacer) await pacer.WaitAsync(waiter);
            if (inFlight.Count >= window) await inFlight.Dequeue();
            // Publish order is the mailbox order; the payload carries the publish time.
            inFlight.Enqueue(stream.PublishAsync("tick", Timestamp(Stopwatch.GetTimestamp())));
            published++;
        }
        while (inFlight.Count > 0) await inFlight.Dequeue();
        return published;
    }

    private static byte[] Timestamp(long timestamp)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(timestamp, digits, out var length);
        return digits[..length].ToArray();
    }
}

/// <summary>What a running benchmark shares with the grains it drives in this process: the latency
/// histogram, the pacer (if any) and the stop signal. Grains find it by the run id they are given.</summary>
public sealed class BenchRun
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, BenchRun> Runs = new();
    private volatile bool _stopping;

    private BenchRun(string id, LatencyHistogram latency, Pacer? pacer)
    {
        Id = id;
        Latency = latency;
        Pacer = pacer;
    }

    public string Id { get; }

    public LatencyHistogram Latency { get; }

    public Pacer? Pacer { get; }

    public bool Stopping => _stopping;

    public static BenchRun Start(LatencyHistogram latency, Pacer? pacer)
    {
        var run = new BenchRun(Guid.NewGuid().ToString("N"), latency, pacer);
        Runs[run.Id] = run;
        return run;
    }

    public static BenchRun Get(string id) => Runs[id];

    public void Stop()
    {
        _stopping = true;
        Pacer?.Dispose();
        Runs.TryRemove(Id, out _);
    }
}
