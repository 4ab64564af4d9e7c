using GrainStream.Grains.Queues;
using GrainStream.Streams;

namespace GrainStream.Tests.Platform.Queues;

/// <summary>Stream retention never cuts a queue's message log (its unacked messages): only the queue
/// trims it, of what is acked.</summary>
public sealed class QueueMessageLogRetentionTests
{
    [Fact]
    public void The_default_retention_keeps_every_message_of_any_age()
    {
        var streamId = QueueStreams.Messages("orders");
        var retention = new StreamRetentionOptions().For(streamId);
        var now = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(1, 20_000)
            .Select(i => new StreamEvent(streamId, new EventPosition(1, i), "message", now.AddYears(-5), new byte[] { (byte)'1' }))
            .ToList();

        Assert.Equal(1L, retention.KeepFrom(events, 20_000, now));
        Assert.Null(retention.OldestKept(now));
    }
}
