using GrainStream.Runtime.Testing;

namespace GrainStream.Tests.Platform;

/// <summary>Deactivates a grain from the outside, as idle collection or a graceful silo stop would,
/// so that a test can check what survives in storage and streams.</summary>
public static class ActivationControl
{
    /// <summary>True when some silo holds an activation of <paramref name="grain"/>.</summary>
    public static bool IsActive(InProcessTestCluster cluster, IAddressable grain)
        => cluster.Silos.Any(s => s.Silo.Runtime.Catalog.TryGet(grain.GetGrainId(), out _));

    public static async Task DeactivateAsync(InProcessTestCluster cluster, IAddressable grain)
    {
        var grainId = grain.GetGrainId();
        foreach (var silo in cluster.Silos)
        {
            if (!silo.Silo.Runtime.Catalog.TryGet(grainId, out var activation)) continue;
            activation.DeactivateOnIdle();
            await activation.Deactivated.WaitAsync(TimeSpan.FromSeconds(20));
        }
    }
}
