using GrainStream.Serialization;
using GrainStream.Storage;

namespace GrainStream.Runtime.Storage;

/// <summary>The <see cref="IPersistentState{TState}"/> injected into grains: the state object, its
/// version, and the storage provider it reads from and writes to.</summary>
internal sealed class PersistentState<TState>(string stateName, GrainId grainId, IGrainStorage storage, GrainSerializer serializer)
    : IPersistentState<TState>, IStateLoader where TState : new()
{
    public TState State { get; set; } = new();

    public string? Etag { get; private set; }

    public bool RecordExists { get; private set; }

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        var stored = await storage.ReadAsync(stateName, grainId, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            State = new TState();
            Etag = null;
            RecordExists = false;
            return;
        }
        State = serializer.Deserialize<TState>(stored.Data.Span) ?? new TState();
        Etag = stored.Etag;
        RecordExists = true;
    }

    public async Task WriteStateAsync(CancellationToken cancellationToken = default)
    {
        var data = serializer.SerializeToUtf8Bytes(State);
        Etag = await storage.WriteAsync(stateName, grainId, data, Etag, cancellationToken).ConfigureAwait(false);
        RecordExists = true;
    }

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        await storage.ClearAsync(stateName, grainId, Etag, cancellationToken).ConfigureAwait(false);
        Etag = null;
        RecordExists = false;
        State = new TState();
    }

    Task IStateLoader.LoadAsync(CancellationToken cancellationToken) => ReadStateAsync(cancellationToken);
}

/// <summary>Lets the activation load every injected state before <c>OnActivateAsync</c>.</summary>
internal interface IStateLoader
{
    Task LoadAsync(CancellationToken cancellationToken);
}
