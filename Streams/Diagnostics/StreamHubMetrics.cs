using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace GrainStream.Streams;

/// <summary>The stream hubs' instruments on a silo: events committed and how long each group commit
/// to the event log took. Recorded once per group commit, not per event or subscriber.</summary>
internal sealed class StreamHubMetrics
{
    private readonly Counter<long> _committed;
    private readonly Histogram<double> _appendDuration;

    public StreamHubMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(GrainStreamMeter.Name);
        _committed = meter.CreateCounter<long>("grainstream.stream.events.committed", "{event}",
            "Events committed to the event log by this silo's stream hubs (events in).");
        _appendDuration = meter.CreateHistogram("grainstream.eventlog.append.duration", "s",
            "How long one group commit to the event log took (successful commits).", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = GrainStreamMeter.SecondsBuckets });
    }

    /// <summary>A group of <paramref name="events"/> was committed; the append started at
    /// <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public void Committed(int events, long startTimestamp)
    {
        _appendDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds);
        _committed.Add(events);
    }
}
