namespace GrainStream.Grains.Leases;

/// <summary>Names (chat users, queue consumers) reported by nodes (API processes), each node's set
/// held for a lease that the node renews by reporting again. A name is present while any node
/// with an unexpired lease lists it, so a node that dies leaves nothing behind once its lease
/// passes. Grains store it (<see cref="ToState"/>, <see cref="Load"/>) so that a re-activation after
/// a silo's death keeps the leases that are still running.</summary>
internal sealed class NodeLeaseTable
{
    /// <summary>Most names one node may report at once.</summary>
    public const int MaxNamesPerNode = 10_000;

    private readonly Dictionary<string, Lease> _nodes = new(StringComparer.Ordinal);

    /// <summary>True when no node holds a lease.</summary>
    public bool IsEmpty => _nodes.Count == 0;

    /// <summary>When the earliest lease expires; null when there is none.</summary>
    public DateTimeOffset? NextExpiry => _nodes.Count == 0 ? null : _nodes.Values.Min(n => n.ExpiresAt);

    /// <summary>Replaces <paramref name="nodeId"/>'s set; an empty set removes the node.</summary>
    public void Report(string nodeId, IEnumerable<string> names, DateTimeOffset expiresAt)
    {
        var set = new HashSet<string>(names, StringComparer.Ordinal);
        if (set.Count == 0) _nodes.Remove(nodeId);
        else _nodes[nodeId] = new Lease(set, expiresAt);
    }

    /// <summary>Forgets nodes whose lease has passed; true when any was forgotten.</summary>
    public bool Expire(DateTimeOffset now)
    {
        var expired = _nodes.Where(n => n.Value.ExpiresAt <= now).Select(n => n.Key).ToList();
        foreach (var node in expired) _nodes.Remove(node);
        return expired.Count > 0;
    }

    /// <summary>The names listed by a node whose lease is still running at <paramref name="now"/>, sorted ordinally.</summary>
    public SortedSet<string> Present(DateTimeOffset now)
    {
        var present = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var lease in _nodes.Values)
        {
            if (lease.ExpiresAt > now) present.UnionWith(lease.Names);
        }
        return present;
    }

    /// <summary>True when a node other than <paramref name="nodeId"/> lists <paramref name="name"/>
    /// under a lease still running at <paramref name="now"/>.</summary>
    public bool ListedByOtherNode(string name, string nodeId, DateTimeOffset now)
    {
        foreach (var (node, lease) in _nodes)
        {
            if (node != nodeId && lease.ExpiresAt > now && lease.Names.Contains(name)) return true;
        }
        return false;
    }

    /// <summary>The table in its stored form.</summary>
    public NodeLeaseState ToState()
    {
        var state = new NodeLeaseState();
        foreach (var (node, lease) in _nodes) state.Nodes[node] = new NodeLease([.. lease.Names.Order(StringComparer.Ordinal)], lease.ExpiresAt);
        return state;
    }

    /// <summary>Replaces the table with the leases of <paramref name="state"/> that run past <paramref name="now"/>.</summary>
    public void Load(NodeLeaseState state, DateTimeOffset now)
    {
        _nodes.Clear();
        foreach (var (node, lease) in state.Nodes)
        {
            if (lease.ExpiresAt > now) _nodes[node] = new Lease(new HashSet<string>(lease.Names, StringComparer.Ordinal), lease.ExpiresAt);
        }
    }

    /// <summary>Checks a report and throws <see cref="ArgumentException"/> naming the bad field.</summary>
    /// <param name="nodeId">The reporting node: 1-256 characters, not blank.</param>
    /// <param name="names">The node's complete set; each must be a valid <see cref="EntityKey"/>.</param>
    /// <param name="lease">How long the report holds: positive, at most <paramref name="maxLease"/>.</param>
    /// <param name="maxLease">The longest lease accepted.</param>
    /// <param name="namesField">The names' field name for messages, e.g. <c>users</c>.</param>
    public static void Validate(string? nodeId, IReadOnlyList<string>? names, TimeSpan lease, TimeSpan maxLease, string namesField)
    {
        if (string.IsNullOrWhiteSpace(nodeId) || nodeId.Length > 256)
        {
            throw new ArgumentException("nodeId must be 1-256 characters and not blank.", nameof(nodeId));
        }
        if (names is null) throw new ArgumentException($"{namesField} is required (an empty list when there are none).", namesField);
        if (names.Count > MaxNamesPerNode) throw new ArgumentException($"{namesField} may list at most {MaxNamesPerNode} names per node.", namesField);
        foreach (var name in names)
        {
            if (!EntityKey.IsValid(name)) throw new ArgumentException($"{namesField} contains '{name}', which does not match {EntityKey.Pattern}.", namesField);
        }
        if (lease <= TimeSpan.Zero || lease > maxLease)
        {
            throw new ArgumentException($"lease must be positive and at most {maxLease}.", nameof(lease));
        }
    }

    private readonly record struct Lease(HashSet<string> Names, DateTimeOffset ExpiresAt);
}
