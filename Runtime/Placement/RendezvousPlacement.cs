namespace GrainStream.Runtime.Placement;

/// <summary>Chooses a grain's silo by rendezvous (highest random weight) hashing: every silo and
/// client with the same view picks the same silo, and when a silo joins or leaves only the grains
/// that hash to it move.</summary>
public static class RendezvousPlacement
{
    /// <summary>The silo for <paramref name="grainId"/> among <paramref name="silos"/>, or null when there are none.</summary>
    public static SiloAddress? Choose(GrainId grainId, IReadOnlyList<SiloAddress> silos)
    {
        if (silos.Count == 0) return null;
        if (silos.Count == 1) return silos[0];
        var grainHash = grainId.StableHashCode;
        SiloAddress? best = null;
        ulong bestScore = 0;
        foreach (var silo in silos)
        {
            var score = StableHash.Combine(grainHash, silo.StableHashCode);
            if (best is null || score > bestScore)
            {
                best = silo;
                bestScore = score;
            }
        }
        return best;
    }
}
