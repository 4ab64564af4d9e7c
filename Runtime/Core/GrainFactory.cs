using System.Globalization;
using GrainStream.Invocation;
using GrainStream.Runtime.Catalog;

namespace GrainStream.Runtime;

/// <summary>Creates grain references (generated proxies) bound to a silo's or a client's runtime.</summary>
internal sealed class GrainFactory(GrainTypeRegistry registry, IGrainCallRuntime runtime) : IGrainFactory
{
    public TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(key);
        return Create<TGrainInterface>(key);
    }

    public TGrainInterface GetGrain<TGrainInterface>(Guid key) where TGrainInterface : IGrainWithGuidKey
        => Create<TGrainInterface>(key.ToString("N"));

    public TGrainInterface GetGrain<TGrainInterface>(long key) where TGrainInterface : IGrainWithIntegerKey
        => Create<TGrainInterface>(key.ToString(CultureInfo.InvariantCulture));

    public TGrainInterface GetGrain<TGrainInterface>(GrainId grainId) where TGrainInterface : IGrain
        => (TGrainInterface)(object)registry.CreateProxy(typeof(TGrainInterface), grainId, runtime);

    private TGrainInterface Create<TGrainInterface>(string key)
    {
        var grainId = new GrainId(registry.GetGrainType(typeof(TGrainInterface)), key);
        return (TGrainInterface)(object)registry.CreateProxy(typeof(TGrainInterface), grainId, runtime);
    }
}
