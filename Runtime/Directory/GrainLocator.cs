using System.Collections.Concurrent;

namespace GrainStream.Runtime.Directory;

/// <summary>The directory as a silo uses it: registrations and lookups go to the
/// <see cref="IGrainDirectory"/>, and what they return is cached so that calls to a remote grain
/// rarely touch the directory. A stale cache entry only costs a forward.</summary>
internal sealed class GrainLocator(IGrainDirectory directory)
{
    private readonly ConcurrentDictionary<GrainId, GrainAddress> _cache = new();

    public async Task<GrainAddress> RegisterAsync(GrainAddress address, GrainAddress? previous)
    {
        var registered = await directory.RegisterAsync(address, previous).ConfigureAwait(false);
        _cache[registered.GrainId] = registered;
        return registered;
    }

    public async Task UnregisterAsync(GrainAddress address)
    {
        _cache.TryRemove(new KeyValuePair<GrainId, GrainAddress>(address.GrainId, address));
        await directory.UnregisterAsync(address).ConfigureAwait(false);
    }

    public async Task<GrainAddress?> LookupAsync(GrainId grainId)
    {
        var address = await directory.LookupAsync(grainId).ConfigureAwait(false);
        if (address is not null) _cache[grainId] = address;
        else _cache.TryRemove(grainId, out _);
        return address;
    }

    public bool TryGetCached(GrainId grainId, out GrainAddress address) => _cache.TryGetValue(grainId, out address!);

    public void RememberLocation(GrainAddress address) => _cache[address.GrainId] = address;

    public void Forget(GrainAddress address) => _cache.TryRemove(new KeyValuePair<GrainId, GrainAddress>(address.GrainId, address));

    /// <summary>Drops cached locations on dead silos and removes their directory entries.</summary>
    public async Task OnSilosDeadAsync(IReadOnlyCollection<SiloAddress> dead)
    {
        foreach (var entry in _cache)
        {
            if (dead.Contains(entry.Value.Silo)) _cache.TryRemove(entry);
        }
        await directory.UnregisterSilosAsync(dead).ConfigureAwait(false);
    }
}
