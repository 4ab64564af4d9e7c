using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace GrainStream.Bench.Fanout;

/// <summary>A failure injected during publishing: a signal (KILL: the process dies; STOP: it freezes,
/// nothing refuses) sent to a process of the server (a silo) some time after the counted posts
/// begin. Recovery is read from what the run saw afterwards: when the last failed post was sent
/// (every room accepts posts again after it) and when the last late delivery arrived (every
/// subscriber has caught up after it).</summary>
internal sealed class Fault(int pid, string signal, TimeSpan after)
{
    private readonly TaskCompletionSource<long> _injected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the signal was sent.</summary>
    public Task Injected => _injected.Task;

    /// <summary>Starts the countdown from <paramref name="publishingStarted"/>.</summary>
    public void Arm(long publishingStarted) => _ = Task.Run(async () =>
    {
        try
        {
            var wait = after - Stopwatch.GetElapsedTime(publishingStarted);
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
            var at = Stopwatch.GetTimestamp();
            await kill.WaitForExitAsync();
            if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} {pid} failed ({kill.ExitCode}).");
            Console.Error.WriteLine($"fault: sent SIG{signal} to {pid}");
            _injected.TrySetResult(at);
        }
        catch (Exception exception)
        {
            _injected.TrySetException(exception);
        }
    });

    public JsonObject Describe(long lastErrorTimestamp, long lastLateReceiptTimestamp, double lateMilliseconds)
    {
        var at = _injected.Task.Result;
        double SecondsAfter(long timestamp) => timestamp <= at ? 0 : Math.Round((timestamp - at) / (double)Stopwatch.Frequency, 2);
        return new JsonObject
        {
            ["signal"] = signal,
            ["pid"] = pid,
            ["afterSeconds"] = after.TotalSeconds,
            // Every post sent after this many seconds was accepted.
            ["postsRecoveredSeconds"] = SecondsAfter(lastErrorTimestamp),
            // Every message arrived within the late threshold after this many seconds.
            ["deliveriesRecoveredSeconds"] = SecondsAfter(lastLateReceiptTimestamp),
            ["lateMs"] = lateMilliseconds,
        };
    }
}
