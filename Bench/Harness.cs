using System.Diagnostics;
using System.Text.Json.Nodes;
using GrainStream.Invocation;
using GrainStream.Runtime;
using GrainStream.Runtime.Configuration;
using GrainStream.Runtime.Hosting;
using GrainStream.Runtime.Placement;
using GrainStream.Runtime.Testing;

namespace GrainStream.Bench;

/// <summary>One measured interval.</summary>
internal sealed record Measurement(double PerSecond, long Count, double P50Us, double P90Us, double P99Us, double P999Us, double MaxUs,
    double AllocBytesPerOp, double CpuUsPerOp, int Gen0, int Gen1, int Gen2, double GcPauseMs, double PoolItemsPerOp, int PoolThreads)
{
    public JsonObject ToJson(string rateName) => new()
    {
        [rateName] = Number(PerSecond, 0),
        ["count"] = Count,
        ["p50Us"] = Number(P50Us, 1),
        ["p90Us"] = Number(P90Us, 1),
        ["p99Us"] = Number(P99Us, 1),
        ["p999Us"] = Number(P999Us, 1),
        ["maxUs"] = Number(MaxUs, 1),
        ["allocBytesPerOp"] = Number(AllocBytesPerOp, 0),
        ["cpuUsPerOp"] = Number(CpuUsPerOp, 2),
        ["gcs"] = $"{Gen0}/{Gen1}/{Gen2}",
        ["gcPauseMs"] = Number(GcPauseMs, 1),
        ["poolItemsPerOp"] = Number(PoolItemsPerOp, 2),
        ["poolThreads"] = PoolThreads,
    };

    // Null when nothing was measured (NaN is not JSON).
    private static JsonNode? Number(double value, int decimals) => double.IsFinite(value) ? JsonValue.Create(Math.Round(value, decimals)) : null;

    public override string ToString()
        => $"{PerSecond,12:N0}/s  p50 {P50Us,8:N1} µs  p99 {P99Us,8:N1} µs  p99.9 {P999Us,8:N1} µs  max {MaxUs,9:N1} µs  "
            + $"{AllocBytesPerOp,6:N0} B/op  {CpuUsPerOp,5:N2} µs cpu/op  gc {Gen0}/{Gen1}/{Gen2} {GcPauseMs:N0} ms  pool {PoolItemsPerOp:N2}/op {PoolThreads} thr";
}

internal static class Harness
{
    /// <summary>Starts the load, lets it warm up, measures for <paramref name="duration"/> seconds
    /// (operations = latencies recorded), then stops it and waits for it to wind down.</summary>
    /// <summary>Print what each measurement allocated, by type.</summary>
    public static bool PrintAllocations { get; set; }

    public static async Task<Measurement> MeasureAsync(Func<BenchRun, Task> startLoad, Pacer? pacer, double warmup, double duration)
    {
        var latency = new LatencyHistogram();
        var run = BenchRun.Start(latency, pacer);
        var load = Task.Run(() => startLoad(run));
        await Task.Delay(TimeSpan.FromSeconds(warmup));

        var process = Process.GetCurrentProcess();
        var before = latency.Snapshot();
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var allocations = new AllocationSampler { ByType = PrintAllocations };
        var paused = GC.GetTotalPauseDuration();
        var poolItems = ThreadPool.CompletedWorkItemCount;
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();

        await Task.Delay(TimeSpan.FromSeconds(duration));

        var after = latency.Snapshot();
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        process.Refresh();
        var cpuUsed = (process.TotalProcessorTime - cpu).TotalMicroseconds;
        var allocatedBytes = allocations.TotalBytes;
        allocations.Dispose();
        var pausedMs = (GC.GetTotalPauseDuration() - paused).TotalMilliseconds;
        var poolItemsDone = ThreadPool.CompletedWorkItemCount - poolItems;
        var poolThreads = ThreadPool.ThreadCount;
        if (PrintAllocations) allocations.Print();
        int gen0Now = GC.CollectionCount(0), gen1Now = GC.CollectionCount(1), gen2Now = GC.CollectionCount(2);

        run.Stop();
        try
        {
            await load.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine("warning: the load did not stop within 30 s");
        }

        for (var i = 0; i < after.Length; i++) after[i] -= before[i];
        var count = LatencyHistogram.Count(after);
        var ops = Math.Max(1, count);
        return new Measurement(count / elapsed, count,
            LatencyHistogram.QuantileMicros(after, 0.50), LatencyHistogram.QuantileMicros(after, 0.90),
            LatencyHistogram.QuantileMicros(after, 0.99), LatencyHistogram.QuantileMicros(after, 0.999), LatencyHistogram.QuantileMicros(after, 1.0),
            (double)allocatedBytes / ops, cpuUsed / ops, gen0Now - gen0, gen1Now - gen1, gen2Now - gen2, pausedMs, (double)poolItemsDone / ops, poolThreads);
    }

    /// <summary>Measures at full speed (closed loop), then paced at a fraction of the rate reached
    /// and at half of <paramref name="targetRate"/>; with <c>--rate</c>, only paced at that rate.</summary>
    public static async Task<JsonObject> MaxAndHalfRateAsync(string name, string rateName, double targetRate, Func<BenchRun, Task> startLoad, BenchOptions options, JsonObject? details = null)
    {
        JsonObject json;
        if (options.Rate is { } fixedRate)
        {
            json = new JsonObject { ["fixedRate"] = await PacedAsync("fixed", fixedRate) };
        }
        else
        {
            Console.WriteLine($"{name}: warming up {options.WarmupSeconds} s, measuring {options.DurationSeconds} s at full speed");
            var max = await MeasureAsync(startLoad, pacer: null, options.WarmupSeconds, options.DurationSeconds);
            Console.WriteLine($"  {"max",-11}{max}");
            json = max.ToJson(rateName);
            json["halfRate"] = await PacedAsync("half", max.PerSecond * options.HalfFraction);
            if (options.HalfTarget) json["halfTargetRate"] = await PacedAsync("halfTarget", targetRate / 2);
        }
        if (details is not null) json["setup"] = details;
        return json;

        async Task<JsonObject> PacedAsync(string label, double rate)
        {
            var paced = await MeasureAsync(startLoad, new Pacer(rate), options.HalfWarmupSeconds, options.HalfDurationSeconds);
            Console.WriteLine($"  {label,-11}{paced}  (paced at {rate:N0}/s)");
            var result = paced.ToJson(rateName);
            result["targetPerSec"] = Math.Round(rate);
            return result;
        }
    }

    public static async Task<InProcessTestCluster> StartClusterAsync(int silos)
    {
        var builder = InProcessTestCluster.CreateBuilder(silos);
        // Runs last longer than one default call timeout would allow the drivers' Run calls.
        builder.ConfigureSilo(s => s.Configure<MessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(2)));
        builder.ConfigureClient(c => c.Configure<MessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(2)));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public static GrainId IdOf(object grain) => ((GrainReference)grain).GrainId;

    /// <summary>Keys of <typeparamref name="T"/> grains that placement puts on <paramref name="silo"/>
    /// (null: anywhere), given the silos' current view.</summary>
    public static string[] Keys<T>(InProcessTestCluster cluster, SiloAddress? silo, string prefix, int count) where T : IGrainWithStringKey
    {
        var view = cluster.Silos[0].Silo.ClusterView.ActiveSilos;
        var factory = cluster.Silos[0].GrainFactory;
        var keys = new List<string>(count);
        for (var i = 0; keys.Count < count; i++)
        {
            var key = $"{prefix}-{i}";
            if (silo is null || silo.Equals(RendezvousPlacement.Choose(IdOf(factory.GetGrain<T>(key)), view))) keys.Add(key);
        }
        return [.. keys];
    }

    /// <summary>How many of <paramref name="keys"/> the directory says are activated on <paramref name="silo"/>.</summary>
    public static async Task<int> CountRegisteredOnAsync<T>(InProcessTestCluster cluster, SiloAddress silo, IEnumerable<string> keys) where T : IGrainWithStringKey
    {
        var factory = cluster.Silos[0].GrainFactory;
        var count = 0;
        foreach (var key in keys)
        {
            var address = await cluster.Directory.LookupAsync(IdOf(factory.GetGrain<T>(key)));
            if (address is not null && address.Silo.Equals(silo)) count++;
        }
        return count;
    }
}
