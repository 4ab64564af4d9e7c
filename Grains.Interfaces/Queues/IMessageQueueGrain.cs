using System.Text.Json;

namespace GrainStream.Grains.Queues;

/// <summary>A durable FIFO queue with competing consumers (key: the queue name). Each message goes
/// to one connected consumer, oldest first; unacked after the visibility timeout, it is delivered
/// again flagged <c>redelivered</c>.</summary>
public interface IMessageQueueGrain : IGrainWithStringKey, IRemindable
{
    /// <summary>Appends a message; returns its id.</summary>
    Task<long> Enqueue(JsonElement body);

    /// <summary>Acknowledges messages delivered to <paramref name="consumer"/>; returns how many were acked.</summary>
    Task<int> Ack(string consumer, IReadOnlyList<long> ids);

    /// <summary>An API node's complete set of consumers with an open event stream, held for <paramref name="lease"/>.</summary>
    Task ReportConsumers(string nodeId, IReadOnlyList<string> consumers, TimeSpan lease);

    /// <summary>Depth, in flight and consumers.</summary>
    [ReadOnly]
    Task<QueueStats> GetStats();
}
