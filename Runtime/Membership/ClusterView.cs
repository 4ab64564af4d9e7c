using System.Collections.Immutable;

namespace GrainStream.Runtime.Membership;

/// <summary>An immutable view of the cluster as one silo or client last read it.</summary>
/// <param name="Version">The membership table version the view was built from.</param>
/// <param name="ActiveSilos">Silos that take calls and new activations, in a stable order.</param>
/// <param name="DeadSilos">Silos known to be dead.</param>
public sealed record ClusterView(long Version, ImmutableArray<SiloAddress> ActiveSilos, ImmutableHashSet<SiloAddress> DeadSilos)
{
    /// <summary>The view before the table was first read.</summary>
    public static ClusterView Empty { get; } = new(-1, [], []);

    /// <summary>True when <paramref name="silo"/> is active in this view.</summary>
    public bool IsActive(SiloAddress silo) => ActiveSilos.Contains(silo);

    /// <summary>Builds a view from a table snapshot.</summary>
    public static ClusterView From(MembershipSnapshot snapshot) => new(
        snapshot.Version,
        [.. snapshot.Rows.Where(r => r.Entry.Status == SiloStatus.Active).Select(r => r.Entry.Silo).OrderBy(s => s.ToString(), StringComparer.Ordinal)],
        [.. snapshot.Rows.Where(r => r.Entry.Status == SiloStatus.Dead).Select(r => r.Entry.Silo)]);

    /// <inheritdoc/>
    public override string ToString() => $"v{Version} [{string.Join(", ", ActiveSilos)}]";
}
