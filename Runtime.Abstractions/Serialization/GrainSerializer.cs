using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace GrainStream.Serialization;

/// <summary>Serialises arguments, results, state and stream payloads as UTF-8 JSON through
/// source-generated <see cref="JsonSerializerContext"/>s, and deep-copies mutable values for calls
/// inside one silo. Register an application's contexts with the silo or client builder.</summary>
public sealed class GrainSerializer
{
    private readonly JsonSerializerOptions _options;

    /// <summary>Creates a serializer over <paramref name="contexts"/>, tried in order.</summary>
    /// <param name="contexts">Source-generated resolvers, e.g. an application's JsonSerializerContext.</param>
    /// <param name="allowReflectionFallback">When true, a type that no context knows is handled by
    /// reflection-based System.Text.Json rather than failing.</param>
    public GrainSerializer(IEnumerable<IJsonTypeInfoResolver> contexts, bool allowReflectionFallback = true)
    {
        _options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        foreach (var context in contexts) _options.TypeInfoResolverChain.Add(context);
        if (allowReflectionFallback) _options.TypeInfoResolverChain.Add(new DefaultJsonTypeInfoResolver());
        _options.MakeReadOnly();
    }

    /// <summary>The options in use (camelCase, web defaults).</summary>
    public JsonSerializerOptions Options => _options;

    /// <summary>The type info for <typeparamref name="T"/>, or a clear exception naming the type.</summary>
    public JsonTypeInfo<T> GetTypeInfo<T>()
    {
        try
        {
            return (JsonTypeInfo<T>)_options.GetTypeInfo(typeof(T));
        }
        catch (NotSupportedException exception)
        {
            throw new NotSupportedException($"No JsonSerializerContext registered with GrainStream knows {typeof(T)}. Add [JsonSerializable(typeof({typeof(T).Name}))] to your context and register it.", exception);
        }
    }

    /// <summary>Writes <paramref name="value"/> as one JSON value.</summary>
    public void Write<T>(Utf8JsonWriter writer, T value) => JsonSerializer.Serialize(writer, value, GetTypeInfo<T>());

    /// <summary>Reads one JSON value; the reader is positioned on its first token or just before it.</summary>
    public T Read<T>(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.None or JsonTokenType.PropertyName) reader.Read();
        return JsonSerializer.Deserialize(ref reader, GetTypeInfo<T>())!;
    }

    /// <summary>Serialises to UTF-8 JSON bytes.</summary>
    public byte[] SerializeToUtf8Bytes<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, GetTypeInfo<T>());

    /// <summary>Serialises a value by its runtime type (for stream payloads of a base type).</summary>
    public byte[] SerializeToUtf8Bytes(object? value, Type type)
    {
        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(value, _options.GetTypeInfo(type));
        }
        catch (NotSupportedException exception)
        {
            throw new NotSupportedException($"No JsonSerializerContext registered with GrainStream knows {type}.", exception);
        }
    }

    /// <summary>Serialises into a buffer writer.</summary>
    public void Serialize<T>(IBufferWriter<byte> output, T value)
    {
        using var writer = new Utf8JsonWriter(output);
        Write(writer, value);
    }

    /// <summary>Deserialises UTF-8 JSON bytes.</summary>
    public T Deserialize<T>(ReadOnlySpan<byte> utf8Json) => JsonSerializer.Deserialize(utf8Json, GetTypeInfo<T>())!;

    /// <summary>A copy that shares nothing mutable with <paramref name="value"/>: the value itself
    /// when <typeparamref name="T"/> is immutable (see <see cref="CopyPolicy{T}"/>), else a JSON round trip.</summary>
    public T Copy<T>(T value)
    {
        if (CopyPolicy<T>.IsImmutable || value is null) return value;
        var typeInfo = GetTypeInfo<T>();
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        return JsonSerializer.Deserialize(bytes, typeInfo)!;
    }
}
