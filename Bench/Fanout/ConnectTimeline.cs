using System.Diagnostics;
using System.Text.Json.Nodes;

namespace GrainStream.Bench.Fanout;

/// <summary>Connection attempts of all subscribers per second of the run, and how many of them failed
/// (refused, or answered without a stream): how hard a crowd of clients comes back after a restart.
/// Shared by the subscriber loops; counts with interlocked increments.</summary>
internal sealed class ConnectTimeline
{
    private const int Seconds = 3600;

    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly int[] _attempts = new int[Seconds];
    private readonly int[] _failures = new int[Seconds];

    public void Attempted() => Interlocked.Increment(ref _attempts[Second()]);

    public void Failed() => Interlocked.Increment(ref _failures[Second()]);

    /// <summary>Totals and peaks from <paramref name="fromTimestamp"/> on (e.g. after the first connects).</summary>
    public JsonObject Describe(long fromTimestamp)
    {
        var from = Math.Clamp((int)((fromTimestamp - _start) / Stopwatch.Frequency), 0, Seconds - 1);
        var attempts = _attempts.AsSpan(from);
        var failures = _failures.AsSpan(from);
        var total = 0L;
        var failed = 0L;
        foreach (var a in attempts) total += a;
        foreach (var f in failures) failed += f;
        return new JsonObject
        {
            ["attempts"] = total,
            ["failedAttempts"] = failed,
            ["peakAttemptsPerSecond"] = attempts.ToArray().Max(),
            ["peakFailuresPerSecond"] = failures.ToArray().Max(),
        };
    }

    private int Second() => Math.Clamp((int)((Stopwatch.GetTimestamp() - _start) / Stopwatch.Frequency), 0, Seconds - 1);
}
