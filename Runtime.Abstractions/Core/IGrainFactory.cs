namespace GrainStream;

/// <summary>Creates references to grains. A reference is cheap, needs no network round trip, and
/// can be used at once: the grain is activated by its first call.</summary>
public interface IGrainFactory
{
    /// <summary>A reference to the grain of interface <typeparamref name="TGrainInterface"/> with a string key.</summary>
    TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey;

    /// <summary>A reference to the grain of interface <typeparamref name="TGrainInterface"/> with a Guid key.</summary>
    TGrainInterface GetGrain<TGrainInterface>(Guid key) where TGrainInterface : IGrainWithGuidKey;

    /// <summary>A reference to the grain of interface <typeparamref name="TGrainInterface"/> with an integer key.</summary>
    TGrainInterface GetGrain<TGrainInterface>(long key) where TGrainInterface : IGrainWithIntegerKey;

    /// <summary>A reference to an existing grain id, seen through <typeparamref name="TGrainInterface"/>.</summary>
    TGrainInterface GetGrain<TGrainInterface>(GrainId grainId) where TGrainInterface : IGrain;
}
