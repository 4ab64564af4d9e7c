using System.Diagnostics;
using System.Text.Json.Nodes;

namespace GrainStream.Bench.Fanout;

/// <summary>When the slow deliveries happened: per quarter second of the run (by the time the
/// message was posted), how many took longer than 10 ms and than 50 ms. Tells a tail made of a few
/// stalls (a pause, a burst of connections settling) from one spread over the whole run.</summary>
internal sealed class SlowDeliveryTimeline
{
    private const double SliceSeconds = 0.25;
    private static readonly long Over10 = Stopwatch.Frequency / 100;
    private static readonly long Over50 = Stopwatch.Frequency / 20;

    private readonly long[] _over10 = new long[4 * 600];
    private readonly long[] _over50 = new long[4 * 600];
    private long _origin = long.MaxValue;
    private DateTime _originUtc;

    /// <summary>Counts from here (the first post); deliveries of messages posted earlier are not counted.</summary>
    public void Start(long timestamp)
    {
        // The wall-clock time too, so that slow slices can be matched with the server's own logs.
        _originUtc = DateTime.UtcNow - Stopwatch.GetElapsedTime(timestamp);
        Volatile.Write(ref _origin, timestamp);
    }

    public void Record(long postedTimestamp, long elapsedTicks)
    {
        if (elapsedTicks <= Over10) return;
        var slice = (postedTimestamp - Volatile.Read(ref _origin)) / (long)(SliceSeconds * Stopwatch.Frequency);
        if (slice < 0 || slice >= _over10.Length) return;
        Interlocked.Increment(ref _over10[slice]);
        if (elapsedTicks > Over50) Interlocked.Increment(ref _over50[slice]);
    }

    /// <summary>The slices that had any slow delivery, as "second: >10ms/>50ms".</summary>
    public JsonObject Describe()
    {
        var slices = new JsonObject();
        for (var i = 0; i < _over10.Length; i++)
        {
            if (_over10[i] > 0) slices[$"{i * SliceSeconds:0.00}s"] = $"{_over10[i]}/{_over50[i]}";
        }
        return new JsonObject
        {
            ["sliceSeconds"] = SliceSeconds,
            ["fromUtc"] = _originUtc == default ? null : _originUtc.ToString("HH:mm:ss.fff"),
            ["over10msOver50ms"] = slices,
        };
    }
}
