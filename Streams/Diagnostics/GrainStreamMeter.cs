namespace GrainStream.Streams;

/// <summary>The name of GrainStream's own meter. Every part of the platform creates it through the
/// host's <see cref="System.Diagnostics.Metrics.IMeterFactory"/>, which hands them one shared
/// <see cref="System.Diagnostics.Metrics.Meter"/> per host.</summary>
public static class GrainStreamMeter
{
    /// <summary>The meter's name, to enable it in a metrics pipeline.</summary>
    public const string Name = "GrainStream";

    /// <summary>Histogram buckets for durations in seconds, from half a millisecond to 10 s (the SDK's
    /// default buckets are meant for milliseconds and would put every append in the first one).</summary>
    public static readonly IReadOnlyList<double> SecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
}
