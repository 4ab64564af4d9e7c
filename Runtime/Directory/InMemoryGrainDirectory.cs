using System.Collections.Concurrent;

namespace GrainStream.Runtime.Directory;

/// <summary>A grain directory in process memory, shared by the silos of one process.</summary>
public sealed class InMemoryGrainDirectory : IGrainDirectory
{
    private readonly ConcurrentDictionary<GrainId, GrainAddress> _entries = new();

    /// <summary>The number of registered activations.</summary>
    public int Count => _entries.Count;

    /// <inheritdoc/>
    public Task<GrainAddress> RegisterAsync(GrainAddress address, GrainAddress? previous, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_entries.TryAdd(address.GrainId, address)) return Task.FromResult(address);
            if (!_entries.TryGetValue(address.GrainId, out var current)) continue;
            if (previous is null || current != previous) return Task.FromResult(current);
            if (_entries.TryUpdate(address.GrainId, address, current)) return Task.FromResult(address);
        }
    }

    /// <inheritdoc/>
    public Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken = default)
        => Task.FromResult(_entries.TryGetValue(grainId, out var address) ? address : null);

    /// <inheritdoc/>
    public Task UnregisterAsync(GrainAddress address, CancellationToken cancellationToken = default)
    {
        _entries.TryRemove(new KeyValuePair<GrainId, GrainAddress>(address.GrainId, address));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task UnregisterSilosAsync(IReadOnlyCollection<SiloAddress> silos, CancellationToken cancellationToken = default)
    {
        foreach (var entry in _entries)
        {
            if (silos.Contains(entry.Value.Silo)) _entries.TryRemove(entry);
        }
        return Task.CompletedTask;
    }
}
