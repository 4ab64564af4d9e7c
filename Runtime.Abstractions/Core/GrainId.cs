using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GrainStream;

/// <summary>The identity of a grain: its grain type and its key, printed <c>type/key</c>.
/// A grain exists virtually for every id; the runtime activates it on first call.</summary>
[JsonConverter(typeof(GrainIdJsonConverter))]
public readonly struct GrainId : IEquatable<GrainId>
{
    /// <summary>Creates an id. The type must be non-empty and contain no '/'.</summary>
    public GrainId(string type, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(key);
        if (type.Contains('/')) throw new ArgumentException("A grain type cannot contain '/'.", nameof(type));
        Type = type;
        Key = key;
    }

    /// <summary>The grain type name, e.g. <c>chatroom</c>.</summary>
    public string Type { get; }

    /// <summary>The key within the type.</summary>
    public string Key { get; }

    /// <summary>True for <c>default(GrainId)</c>.</summary>
    public bool IsDefault => Type is null;

    /// <summary>A hash that is the same in every process, used for placement.</summary>
    public ulong StableHashCode => StableHash.Hash64(ToString());

    /// <summary>Parses <c>type/key</c>; the key may itself contain '/'.</summary>
    public static GrainId Parse(string value)
    {
        if (!TryParse(value, out var id)) throw new FormatException($"'{value}' is not a grain id of the form type/key.");
        return id;
    }

    /// <summary>Parses <c>type/key</c> without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out GrainId id)
    {
        var slash = value?.IndexOf('/') ?? -1;
        if (value is null || slash <= 0)
        {
            id = default;
            return false;
        }
        id = new GrainId(value[..slash], value[(slash + 1)..]);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(GrainId other) => string.Equals(Type, other.Type, StringComparison.Ordinal) && string.Equals(Key, other.Key, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is GrainId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Type, Key);

    /// <summary>Prints <c>type/key</c>.</summary>
    public override string ToString() => IsDefault ? "" : string.Concat(Type, "/", Key);

    /// <summary>Equality.</summary>
    public static bool operator ==(GrainId left, GrainId right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(GrainId left, GrainId right) => !left.Equals(right);
}

/// <summary>Writes a <see cref="GrainId"/> as its <c>type/key</c> string.</summary>
public sealed class GrainIdJsonConverter : JsonConverter<GrainId>
{
    /// <inheritdoc/>
    public override GrainId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => GrainId.Parse(reader.GetString()!);

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, GrainId value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
