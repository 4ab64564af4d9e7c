namespace GrainStream.Runtime.Directory;

/// <summary>Where each grain is activated, cluster-wide. Registration is compare-and-swap, which is
/// what makes a grain single-activation even when silos disagree about membership: the first
/// registration wins and every other candidate forwards its calls to the winner.</summary>
public interface IGrainDirectory
{
    /// <summary>Registers <paramref name="address"/> unless another activation is registered; replaces
    /// <paramref name="previous"/> when it is what is registered (a stale entry of a dead silo or a
    /// gone activation). Returns the address that is registered afterwards: the caller won when it
    /// equals <paramref name="address"/>.</summary>
    Task<GrainAddress> RegisterAsync(GrainAddress address, GrainAddress? previous, CancellationToken cancellationToken = default);

    /// <summary>The registered address, or null.</summary>
    Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken = default);

    /// <summary>Removes the entry if it is exactly <paramref name="address"/>.</summary>
    Task UnregisterAsync(GrainAddress address, CancellationToken cancellationToken = default);

    /// <summary>Removes every entry of the given (dead) silos.</summary>
    Task UnregisterSilosAsync(IReadOnlyCollection<SiloAddress> silos, CancellationToken cancellationToken = default);
}
