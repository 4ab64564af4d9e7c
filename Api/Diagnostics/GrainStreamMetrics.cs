using System.Diagnostics.Metrics;
using GrainStream.Streams;

namespace GrainStream.Api.Diagnostics;

/// <summary>The API node's instruments in GrainStream's meter (<see cref="GrainStreamMeter.Name"/>):
/// open event streams, events handed to them, cut-offs, resumes, and how far the relays lag behind
/// the streams. Every call is one lock-free instrument update without tags, made once per upstream
/// event or per connection's start and end, never per frame and connection.</summary>
internal sealed class GrainStreamMetrics
{
    private readonly Meter _meter;
    private readonly TimeProvider _time;
    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _received;
    private readonly Counter<long> _cutOff;
    private readonly Counter<long> _resumes;
    private readonly Histogram<double> _relayLag;

    /// <summary>Creates the instruments; <paramref name="time"/> is the clock the stream hubs stamp events with.</summary>
    public GrainStreamMetrics(IMeterFactory meters, TimeProvider time)
    {
        _meter = meters.Create(GrainStreamMeter.Name);
        _time = time;
        _connections = _meter.CreateUpDownCounter<long>("grainstream.sse.connections", "{connection}",
            "Event streams open on this node.");
        _delivered = _meter.CreateCounter<long>("grainstream.sse.events.delivered", "{event}",
            "Events handed to event-stream connections: live fan-out, and replays to resuming clients (events out).");
        _received = _meter.CreateCounter<long>("grainstream.relay.events.received", "{event}",
            "Events this node's relays received from the streams they follow, once per stream however many connections watch it.");
        _cutOff = _meter.CreateCounter<long>("grainstream.sse.cutoffs", "{connection}",
            "Event streams cut off (with a retry hint) because their client fell a whole queue behind.");
        _resumes = _meter.CreateCounter<long>("grainstream.sse.resumes", "{connection}",
            "Event streams opened with a Last-Event-ID (header or lastEventId).");
        _relayLag = _meter.CreateHistogram("grainstream.relay.lag", "s",
            "Time from a stream hub accepting an event to this node's relay receiving it (includes the log commit; across machines, clock skew too).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = GrainStreamMeter.SecondsBuckets });
    }

    /// <summary>An event stream went live.</summary>
    public void ConnectionOpened() => _connections.Add(1);

    /// <summary>A live event stream ended; <paramref name="cutOff"/> when its queue overflowed.</summary>
    public void ConnectionClosed(bool cutOff)
    {
        _connections.Add(-1);
        if (cutOff) _cutOff.Add(1);
    }

    /// <summary>A client asked to resume from an event id.</summary>
    public void Resumed() => _resumes.Add(1);

    /// <summary><paramref name="count"/> events were handed to connections.</summary>
    public void Delivered(int count)
    {
        if (count > 0) _delivered.Add(count);
    }

    /// <summary>A relay received an event its stream's hub stamped at <paramref name="publishedAt"/>.</summary>
    public void Received(DateTimeOffset publishedAt)
    {
        _received.Add(1);
        _relayLag.Record(Math.Max(0, (_time.GetUtcNow() - publishedAt).TotalSeconds));
    }

    /// <summary>Reports <paramref name="observe"/> as the frames queued on this node's connections,
    /// read only when metrics are collected.</summary>
    public void ObserveQueuedFrames(Func<long> observe)
        => _meter.CreateObservableGauge("grainstream.sse.queued_frames", observe, "{frame}",
            "Frames waiting in the queues of this node's event streams.");
}
