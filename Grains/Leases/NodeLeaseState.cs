namespace GrainStream.Grains.Leases;

/// <summary>The stored form of a <see cref="NodeLeaseTable"/>: each node's reported names and when
/// its lease ends. Kept with the grain's state (so in PostgreSQL in the cluster), so that a grain
/// re-activated after its silo died still knows who is present until the nodes report again.</summary>
public sealed class NodeLeaseState
{
    /// <summary>The leases by node id.</summary>
    public Dictionary<string, NodeLease> Nodes { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One node's lease.</summary>
/// <param name="Names">The names the node reported.</param>
/// <param name="ExpiresAt">When the lease ends unless the node reports again.</param>
public sealed record NodeLease(IReadOnlyList<string> Names, DateTimeOffset ExpiresAt);
