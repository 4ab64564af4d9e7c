namespace GrainStream.Runtime.Membership;

/// <summary>The status of a silo in the membership table.</summary>
public enum SiloStatus
{
    /// <summary>Starting; not yet a placement target.</summary>
    Joining = 1,
    /// <summary>Serving.</summary>
    Active = 2,
    /// <summary>Stopping gracefully; no new activations.</summary>
    ShuttingDown = 3,
    /// <summary>Gone. A silo that reads this about itself stops at once.</summary>
    Dead = 4,
}

/// <summary>One silo's row.</summary>
/// <param name="Silo">The silo incarnation.</param>
/// <param name="Status">Its status.</param>
/// <param name="SiloName">A name for logs.</param>
/// <param name="StartTime">When it started.</param>
/// <param name="IAmAliveTime">Its last heartbeat.</param>
public sealed record MembershipEntry(SiloAddress Silo, SiloStatus Status, string SiloName, DateTimeOffset StartTime, DateTimeOffset IAmAliveTime);

/// <summary>A row with its version for compare-and-swap.</summary>
/// <param name="Entry">The row.</param>
/// <param name="ETag">The row's version.</param>
public sealed record MembershipRow(MembershipEntry Entry, string ETag);

/// <summary>The whole table at one version. Every change to a row bumps the table version, so a
/// writer that read an older version loses its compare-and-swap and must read again.</summary>
/// <param name="Version">The table version.</param>
/// <param name="Rows">All rows of the cluster.</param>
public sealed record MembershipSnapshot(long Version, IReadOnlyList<MembershipRow> Rows);

/// <summary>The membership table of a cluster: versioned rows with compare-and-swap, so that
/// concurrent writers (joining silos, silos declaring a peer dead) never overwrite each other.
/// Implemented in memory (one process) and by PostgreSQL (a cluster of processes).</summary>
public interface IMembershipTable
{
    /// <summary>Reads every row and the table version.</summary>
    Task<MembershipSnapshot> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts a row if the table is still at <paramref name="expectedVersion"/> and the silo
    /// has no row; returns false when either check fails.</summary>
    Task<bool> InsertRowAsync(MembershipEntry entry, long expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>Replaces a row if it is still at <paramref name="etag"/> and the table at
    /// <paramref name="expectedVersion"/>; returns false otherwise.</summary>
    Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, long expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>Writes the heartbeat of a silo without a version check (it is the row's only writer
    /// of that column, and heartbeats do not change the table version).</summary>
    Task UpdateIAmAliveAsync(SiloAddress silo, DateTimeOffset iAmAliveTime, CancellationToken cancellationToken = default);
}
