using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using GrainStream.Streams;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;

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

    /// <summary>The stored bytes as state (a new state when they hold JSON null).</summary>
    public T Deserialize<T>(byte[] data) => JsonSerializer.Deserialize(data, TypeInfo<T>()) ?? NewState<T>();

    /// <summary>A state as a grain that has none starts with.</summary>
    public T NewState<T>() => activators is not null ? activators.GetActivator<T>().Create() : Activator.CreateInstance<T>();

    /// <summary>Checks the arguments every storage operation gets.</summary>
    public static void Validate<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        ArgumentNullException.ThrowIfNull(grainState);
        if (grainId.IsDefault) throw new ArgumentException("The grain id is the default (empty) value.", nameof(grainId));
    }

    private JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)_json.GetTypeInfo(typeof(T));
}
