using System.Diagnostics;
using Orleans.Placement;

namespace GrainStream.Bench;

/// <summary>Issues calls from inside a silo, as grain code does, until its run is stopped.</summary>
public interface ICallDriverGrain : IGrainWithStringKey
{
    /// <summary>Activates the driver (where a placement hint says) without doing anything.</summary>
    Task Ping();

    /// <summary>Runs <paramref name="workers"/> call loops over the <see cref="IEchoGrain"/>s
    /// <paramref name="targetKeys"/> until the run ends; returns the calls made.</summary>
    Task<long> Run(string runId, string[] targetKeys, int workers);
}

/// <summary>Every call loop continues on this activation's scheduler, as grain code does.</summary>
[PreferLocalPlacement]
public sealed class CallDriverGrain : Grain, ICallDriverGrain
{
    /// <inheritdoc/>
    public Task Ping() => Task.CompletedTask;

    /// <inheritdoc/>
    public async Task<long> Run(string runId, string[] targetKeys, int workers)
    {
        var run = BenchRun.Get(runId);
        var targets = targetKeys.Select(k => GrainFactory.GetGrain<IEchoGrain>(k)).ToArray();
        var loops = new Task<long>[workers];
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
