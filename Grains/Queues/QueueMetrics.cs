using System.Diagnostics.Metrics;
using GrainStream.Streams;

namespace GrainStream.Grains.Queues;

/// <summary>How deep the message queues active on a silo are: messages not yet acked (waiting or in
/// flight). A queue adds its depth when it activates, follows each change, and takes it back when it
/// deactivates, so the silo's sum is what its active queues hold; one counter update per change, no
/// series per queue (a cluster may hold millions of queues).</summary>
public sealed class QueueMetrics
{
    private readonly UpDownCounter<long> _messages;

    /// <summary>Creates the instrument on GrainStream's meter of <paramref name="meters"/>.</summary>
    public QueueMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(GrainStreamMeter.Name);
        _messages = meter.CreateUpDownCounter<long>("grainstream.queue.messages", "{message}",
            "Messages not yet acked (waiting or in flight) in the message queues active on this silo.");
    }

    /// <summary>A queue's depth moved by <paramref name="delta"/>.</summary>
    public void DepthChanged(long delta)
    {
        if (delta != 0) _messages.Add(delta);
    }
}
