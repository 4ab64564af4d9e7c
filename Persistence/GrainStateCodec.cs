using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using GrainStream.Streams;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace GrainStream.Persistence;

/// <summary>How GrainStream's grain storages turn state into stored bytes and back: JSON with the
/// platform's source-generated metadata (the same as stream payloads), and a new state from
/// Orleans' activators (as the silo creates state) or the type's parameterless constructor.
/// One codec, so a state stored by SQLite reads the same from PostgreSQL.</summary>
internal sealed class GrainStateCodec(EventPayloadSerializer serializer, IActivatorProvider? activators)
{
    private readonly JsonSerializerOptions _json = serializer.Options;

    /// <summary>The state as stored bytes.</summary>
    public byte[] Serialize<T>(T state) => JsonSerializer.SerializeToUtf8Bytes(state, TypeInfo<T>());

    // The stored bytes as state (a new state when they hold JSON null).
    private T Deserialize<T>(byte[] data) => JsonSerializer.Deserialize(data, TypeInfo<T>()) ?? NewState<T>();

    /// <summary>Puts what a read found into <paramref name="grainState"/>: the stored bytes and their
    /// etag, or (<paramref name="data"/> null: nothing stored) a new state without etag.</summary>
    public void Load<T>(IGrainState<T> grainState, byte[]? data, string? etag)
    {
        if (data is null)
        {
            Reset(grainState);
            return;
        }
        // A stored JSON null is a row all the same: keep its etag so the next write replaces it.
        grainState.State = Deserialize<T>(data);
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    /// <summary>Makes <paramref name="grainState"/> a state that was never stored (nothing read, or cleared).</summary>
    public void Reset<T>(IGrainState<T> grainState)
    {
        // A new instance rather than the one passed in: it may carry changes that were never stored.
        grainState.State = NewState<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    // A state as a grain that has none starts with.
    private T NewState<T>() => activators is not null ? activators.GetActivator<T>().Create() : Activator.CreateInstance<T>();

    /// <summary>Checks the arguments every storage operation gets.</summary>
    public static void Validate<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        ArgumentNullException.ThrowIfNull(grainState);
        if (grainId.IsDefault) throw new ArgumentException("The grain id is the default (empty) value.", nameof(grainId));
    }

    /// <summary>The refusal of an <paramref name="operation"/> ("write", "clear") whose expected etag is
    /// not the stored one: another writer changed the state, and the grain must read it again.</summary>
    public static InconsistentStateException Conflict(string operation, string stateName, GrainId grainId, string? storedEtag, string? expectedEtag)
        => new(
            $"Cannot {operation} state '{stateName}' of grain {grainId}: storage holds version {storedEtag ?? "(none)"} but the {operation} expected version {expectedEtag ?? "(none)"}. Another writer changed it; read the state again.",
            storedEtag,
            expectedEtag);

    private JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)_json.GetTypeInfo(typeof(T));
}
