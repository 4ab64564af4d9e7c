using Orleans.TestingHost;

namespace GrainStream.Tests.Platform;

/// <summary>Deactivates a grain from the outside, as idle collection or a graceful silo stop would,
/// so that a test can check what survives in storage and streams.</summary>
public static class ActivationControl
{
    /// <summary>True when some silo holds an activation of <paramref name="grain"/>.</summary>
    public static bool IsActive(InProcessTestCluster cluster, IAddressable grain) => cluster.TryGetGrainContext(grain.GetGrainId(), out _);

    public static Task DeactivateAsync(InProcessTestCluster cluster, IAddressable grain)
        => cluster.DeactivateAsync(grain).WaitAsync(TimeSpan.FromSeconds(20));
}
