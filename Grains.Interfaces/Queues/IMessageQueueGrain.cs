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

    /// <summary>Acknowledges the messages the consumer holds among <paramref name="ids"/> and
    /// <paramref name="receipts"/> (either may be null); the answer names those it does not hold.
    /// Not atomic: what is held is acked even when something else named is not.</summary>
    Task<QueueSettlement> Acknowledge(string consumer, IReadOnlyList<long>? ids, IReadOnlyList<string>? receipts);

    /// <summary>Gives back held messages: visible again at once, delivered to any consumer (a
    /// message that has reached <c>Queues:MaxDeliveries</c> goes to the dead-letter queue instead).</summary>
    Task<QueueSettlement> Nack(string consumer, IReadOnlyList<long>? ids, IReadOnlyList<string>? receipts);

    /// <summary>Keeps held messages invisible for <paramref name="visibleAfter"/> from now (at most
    /// <c>Queues:MaxVisibilityExtension</c>) instead of what remains of their visibility timeout.</summary>
    Task<QueueSettlement> ExtendVisibility(string consumer, IReadOnlyList<long>? ids, IReadOnlyList<string>? receipts, TimeSpan visibleAfter);

    /// <summary>Asks for <paramref name="consumer"/> for one connection of node <paramref name="nodeId"/>:
    /// false while another connection has it (on this node or another). Held for <paramref name="lease"/>
    /// and then for as long as the node reports the consumer; once the node reports it, the consumer's
    /// unacked deliveries are sent again on its stream (same receipts), so a resumed connection starts
    /// at what it still holds.</summary>
    Task<bool> ClaimConsumer(string nodeId, string connectionId, string consumer, TimeSpan lease);

    /// <summary>The connection that claimed <paramref name="consumer"/> has ended.</summary>
    Task ReleaseConsumer(string consumer, string connectionId);

    /// <summary>An API node's complete set of consumers with an open event stream, held for <paramref name="lease"/>.</summary>
    Task ReportConsumers(string nodeId, IReadOnlyList<string> consumers, TimeSpan lease);

    /// <summary>Depth, in flight and consumers.</summary>
    [ReadOnly]
    Task<QueueStats> GetStats();
}
