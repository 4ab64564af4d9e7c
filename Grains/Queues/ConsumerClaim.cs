namespace GrainStream.Grains.Queues;

/// <summary>One connection's hold on a consumer name, so that a second connection under the same
/// name is refused rather than sharing its deliveries. Kept in memory only: after the queue's
/// re-activation, the nodes' stored consumer leases still refuse other nodes, and each node refuses a
/// second local connection itself.</summary>
/// <param name="Node">The API node of the connection.</param>
/// <param name="Connection">The connection.</param>
internal sealed class ConsumerClaim(string Node, string Connection)
{
    /// <summary>The API node of the connection.</summary>
    public string Node { get; } = Node;

    /// <summary>The connection.</summary>
    public string Connection { get; } = Connection;

    /// <summary>When the claim lapses unless its node reports the consumer (which renews it).</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>True once the node has reported the consumer: its connection is live.</summary>
    public bool Live { get; set; }
}
