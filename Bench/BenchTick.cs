namespace GrainStream.Bench;

/// <summary>The event of Orleans' memory streams in the streams benchmark: its number in the
/// publisher's order and when it was published (a <see cref="System.Diagnostics.Stopwatch"/>
/// timestamp; publisher and subscriber share this process's clock).</summary>
/// <param name="Sequence">1, 2, 3 … in publish order.</param>
/// <param name="Timestamp">The publish time in <see cref="System.Diagnostics.Stopwatch"/> ticks.</param>
[GenerateSerializer, Immutable, Alias("bench.BenchTick")]
public readonly record struct BenchTick(long Sequence, long Timestamp);
