using System.Globalization;

namespace GrainStream.Runtime.Membership;

/// <summary>A membership table in process memory: for one process with one silo, and for test
/// clusters whose silos all share this instance.</summary>
public sealed class InMemoryMembershipTable : IMembershipTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SiloAddress, MembershipRow> _rows = [];
    private long _version;
    private long _etag;

    /// <inheritdoc/>
    public Task<MembershipSnapshot> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult(new MembershipSnapshot(_version, [.. _rows.Values]));
    }

    /// <inheritdoc/>
    public Task<bool> InsertRowAsync(MembershipEntry entry, long expectedVersion, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_version != expectedVersion || _rows.ContainsKey(entry.Silo)) return Task.FromResult(false);
            _rows[entry.Silo] = new MembershipRow(entry, NextETag());
            _version++;
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, long expectedVersion, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_version != expectedVersion || !_rows.TryGetValue(entry.Silo, out var row) || row.ETag != etag) return Task.FromResult(false);
            _rows[entry.Silo] = new MembershipRow(entry, NextETag());
            _version++;
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public Task UpdateIAmAliveAsync(SiloAddress silo, DateTimeOffset iAmAliveTime, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_rows.TryGetValue(silo, out var row))
            {
                _rows[silo] = row with { Entry = row.Entry with { IAmAliveTime = iAmAliveTime } };
            }
        }
        return Task.CompletedTask;
    }

    private string NextETag() => (++_etag).ToString(CultureInfo.InvariantCulture);
}
