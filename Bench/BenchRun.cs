using System.Collections.Concurrent;

namespace GrainStream.Bench;

/// <summary>What a running benchmark shares with the grains it drives in this process: the latency
/// histogram, the pacer (if any) and the stop signal. The silos run in this process, so grains find
/// it by the run id they are given rather than receiving it over the wire.</summary>
public sealed class BenchRun
{
    private static readonly ConcurrentDictionary<string, BenchRun> Runs = new();
    private volatile bool _stopping;

    private BenchRun(string id, LatencyHistogram latency, Pacer? pacer)
    {
        Id = id;
        Latency = latency;
        Pacer = pacer;
    }

    /// <summary>The run's id, unique per measurement.</summary>
    public string Id { get; }

    /// <summary>Where the run's operations record their latency.</summary>
    public LatencyHistogram Latency { get; }

    /// <summary>The pacer of an open-loop run; null at full speed.</summary>
    public Pacer? Pacer { get; }

    /// <summary>Whether the load should wind down.</summary>
    public bool Stopping => _stopping;

    /// <summary>Starts a run and makes it findable by its id.</summary>
    public static BenchRun Start(LatencyHistogram latency, Pacer? pacer)
    {
        var run = new BenchRun(Guid.NewGuid().ToString("N"), latency, pacer);
        Runs[run.Id] = run;
        return run;
    }

    /// <summary>The running run <paramref name="id"/>.</summary>
    public static BenchRun Get(string id) => Runs[id];

    /// <summary>Tells the load to stop and releases any worker waiting for the pacer.</summary>
    public void Stop()
    {
        _stopping = true;
        Pacer?.Dispose();
        Runs.TryRemove(Id, out _);
    }
}
