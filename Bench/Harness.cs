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
    double AllocBytesPerOp, double CpuUsPerOp, int Gen0, int Gen1, int Gen2)
{
    public JsonObject ToJson(string rateName) => new()
    {
        [rateName] = Math.Round(PerSecond),
        ["count"] = Count,
        ["p50Us"] = Math.Round(P50Us, 1),
        ["p90Us"] = Math.Round(P90Us, 1),
        ["p99Us"] = Math.Round(P99Us, 1),
        ["p999Us"] = Math.Round(P999Us, 1),
        ["maxUs"] = Math.Round(MaxUs, 1),
        ["allocBytesPerOp"] = Math.Round(AllocBytesPerOp),
        ["cpuUsPerOp"] = Math.Round(CpuUsPerOp, 2),
        ["gcs"] = $"{Gen0}/{Gen1}/{Gen2}",
    };

    public override string ToString()
        => $"{PerSecond,12:N0}/s  p50 {P50Us,8:N1} µs  p99 {P99Us,8:N1} µs  p99.9 {P999Us,8:N1} µs  max {MaxUs,9:N1} µs  "
            + $"{AllocBytesPerOp,6:N0} B/op  {CpuUsPerOp,5:N2} µs cpu/op  gc {Gen0}/{Gen1}/{Gen2}";
}

internal static class Harness
{
    /// <summary>Starts the load, lets it warm up, measures for <paramref name="duration"/> seconds
    /// (operations = latencies recorded), then stops it and waits for it to wind down.</summary>
    public static async Task<Measurement> MeasureAsync(Func<BenchRun, Task> startLoad, Pacer? pacer, double warmup, double duration)
    {
        var latency = new LatencyHistogram();
        var run = BenchRun.Start(latency, pacer);
        var load = Task.Run(() => startLoad(run));
        await Task.Delay(TimeSpan.FromSeconds(warmup));

        var process = Process.GetCurrentProcess();
        var before = latency.Snapshot();
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var allocated = GC.GetTotalAllocatedBytes();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        long f0 = GrainStream.Runtime.Transport.Connection.Flushes, w0 = GrainStream.Runtime.Transport.Connection.FramesWritten, r0 = GrainStream.Runtime.Transport.Connection.Reads; // TEMP

        await Task.Delay(TimeSpan.FromSeconds(duration));
        Console.WriteLine($"TEMP flushes {GrainStream.Runtime.Transport.Connection.Flushes - f0:N0} frames {GrainStream.Runtime.Transport.Connection.FramesWritten - w0:N0} reads {GrainStream.Runtime.Transport.Connection.Reads - r0:N0}");

        var after = latency.Snapshot();
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        process.Refresh();
        var cpuUsed = (process.TotalProcessorTime - cpu).TotalMicroseconds;
        var allocatedNow = GC.GetTotalAllocatedBytes();
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
            (double)(allocatedNow - allocated) / ops, cpuUsed / ops, gen0Now - gen0, gen1Now - gen1, gen2Now - gen2);
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
