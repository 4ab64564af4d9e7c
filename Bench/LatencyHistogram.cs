using System.Diagnostics;

namespace GrainStream.Bench;

/// <summary>A log-linear histogram of latencies in nanoseconds: 32 linear sub-buckets per power of
/// two (about 3 % resolution), fixed size, so recording never allocates. Each recording thread gets
/// its own counts (no shared cache line, no interlocked op); <see cref="Snapshot"/> merges them, and a
/// measurement is the difference of two snapshots, so nothing is ever cleared under a writer.</summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 5;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int Exponents = 40; // up to ~2^40 ns, about 18 minutes
    public const int BucketCount = (Exponents + 1) * SubBuckets;

    private static readonly double NanosPerTick = 1_000_000_000.0 / Stopwatch.Frequency;

    private readonly ThreadLocal<long[]> _counts = new(() => new long[BucketCount], trackAllValues: true);

    /// <summary>Records the time elapsed since <paramref name="startTimestamp"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public void RecordSince(long startTimestamp) => RecordTicks(Stopwatch.GetTimestamp() - startTimestamp);

    /// <summary>Records one latency in <see cref="Stopwatch"/> ticks.</summary>
    public void RecordTicks(long ticks) => Record((long)(ticks * NanosPerTick));

    /// <summary>Records one latency in nanoseconds.</summary>
    public void Record(long nanos) => _counts.Value![Index(nanos)]++;

    /// <summary>The merged counts of every thread.</summary>
    public long[] Snapshot()
    {
        var merged = new long[BucketCount];
        foreach (var counts in _counts.Values)
        {
            for (var i = 0; i < merged.Length; i++) merged[i] += counts[i];
        }
        return merged;
    }

    internal static int Index(long nanos)
    {
        if (nanos < SubBuckets) return (int)Math.Max(0, nanos);
        // The five bits below the highest set bit pick the sub-bucket.
        var shift = 63 - (int)long.LeadingZeroCount(nanos) - SubBucketBits;
        var top = (int)(nanos >> shift); // SubBuckets .. 2*SubBuckets-1
        return Math.Min((shift + 1) * SubBuckets + top - SubBuckets, BucketCount - 1);
    }

    /// <summary>The upper bound, in nanoseconds, of what bucket <paramref name="index"/> counts.</summary>
    internal static long UpperBound(int index)
    {
        if (index < SubBuckets) return index;
        var shift = index / SubBuckets - 1;
        var top = SubBuckets + index % SubBuckets;
        return ((long)(top + 1) << shift) - 1;
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1) of <paramref name="buckets"/>, in microseconds.</summary>
    public static double QuantileMicros(long[] buckets, double q)
    {
        long total = 0;
        foreach (var c in buckets) total += c;
        if (total == 0) return double.NaN;
        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            seen += buckets[i];
            if (seen >= rank) return UpperBound(i) / 1000.0;
        }
        return UpperBound(buckets.Length - 1) / 1000.0;
    }

    /// <summary>The number of values in <paramref name="buckets"/>.</summary>
    public static long Count(long[] buckets)
    {
        long total = 0;
        foreach (var c in buckets) total += c;
        return total;
    }
}
