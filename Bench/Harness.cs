using System.Diagnostics;
using System.Text.Json.Nodes;

namespace GrainStream.Bench;

/// <summary>Measures a load: warm-up, a measured interval, wind-down; at full speed and paced.</summary>
internal static class Harness
{
    /// <summary>Print what each measurement allocated, by type.</summary>
    public static bool PrintAllocations { get; set; }

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
    /// and at half of <paramref name="targetRate"/>; with <c>--rate</c>, only paced at that rate, with
    /// the full-speed run's warm-up and duration (it is then the process's first run).</summary>
    public static async Task<JsonObject> MaxAndHalfRateAsync(string name, string rateName, double targetRate, Func<BenchRun, Task> startLoad, BenchOptions options, JsonObject? details = null)
    {
        JsonObject json;
        if (options.Rate is { } fixedRate)
        {
            json = new JsonObject { ["fixedRate"] = await PacedAsync("fixed", fixedRate, options.WarmupSeconds, options.DurationSeconds) };
        }
        else
        {
            Console.WriteLine($"{name}: warming up {options.WarmupSeconds} s, measuring {options.DurationSeconds} s at full speed");
            var max = await MeasureAsync(startLoad, pacer: null, options.WarmupSeconds, options.DurationSeconds);
            Console.WriteLine($"  {"max",-11}{max}");
            json = max.ToJson(rateName);
            json["halfRate"] = await PacedAsync("half", max.PerSecond * options.HalfFraction, options.HalfWarmupSeconds, options.HalfDurationSeconds);
            if (options.HalfTarget) json["halfTargetRate"] = await PacedAsync("halfTarget", targetRate / 2, options.HalfWarmupSeconds, options.HalfDurationSeconds);
        }
        if (details is not null) json["setup"] = details;
        return json;

        async Task<JsonObject> PacedAsync(string label, double rate, double warmupSeconds, double durationSeconds)
        {
            var paced = await MeasureAsync(startLoad, new Pacer(rate), warmupSeconds, durationSeconds);
            Console.WriteLine($"  {label,-11}{paced}  (paced at {rate:N0}/s)");
            var result = paced.ToJson(rateName);
            result["targetPerSec"] = Math.Round(rate);
            return result;
        }
    }
}
