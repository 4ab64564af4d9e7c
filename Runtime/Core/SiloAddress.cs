using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text.Json.Serialization;

namespace GrainStream.Runtime;

/// <summary>A silo incarnation: endpoint plus generation (a restarted silo on the same endpoint is a
/// different silo). Printed <c>host:port@generation</c>.</summary>
[Immutable]
[JsonConverter(typeof(SiloAddressJsonConverter))]
public sealed record SiloAddress(string Host, int Port, long Generation)
{
    private ulong? _hash;

    /// <summary>The endpoint to connect to.</summary>
    public IPEndPoint EndPoint => new(IPAddress.Parse(Host), Port);

    /// <summary>A hash identical in every process.</summary>
    public ulong StableHashCode => _hash ??= StableHash.Hash64(ToString());

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}@{Generation}");

    /// <summary>Parses <c>host:port@generation</c>.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out SiloAddress? address)
    {
        address = null;
        if (value is null) return false;
        var at = value.LastIndexOf('@');
        var colon = at > 0 ? value.LastIndexOf(':', at) : -1;
        if (colon <= 0
            || !int.TryParse(value.AsSpan(colon + 1, at - colon - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || !long.TryParse(value.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
        {
            return false;
        }
        address = new SiloAddress(value[..colon], port, generation);
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>.</summary>
    public static SiloAddress Parse(string value) => TryParse(value, out var address) ? address : throw new FormatException($"'{value}' is not a silo address host:port@generation.");

    /// <inheritdoc/>
    public bool Equals(SiloAddress? other) => other is not null && Port == other.Port && Generation == other.Generation && string.Equals(Host, other.Host, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Host, Port, Generation);
}

/// <summary>Writes a <see cref="SiloAddress"/> as its string form.</summary>
public sealed class SiloAddressJsonConverter : JsonConverter<SiloAddress>
{
    /// <inheritdoc/>
    public override SiloAddress Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) => SiloAddress.Parse(reader.GetString()!);

    /// <inheritdoc/>
    public override void Write(System.Text.Json.Utf8JsonWriter writer, SiloAddress value, System.Text.Json.JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}

/// <summary>Where an activation lives: the grain, its silo and the activation's own id.</summary>
/// <param name="GrainId">The grain.</param>
/// <param name="Silo">The hosting silo.</param>
/// <param name="ActivationId">Distinguishes successive activations of the grain.</param>
[Immutable]
public sealed record GrainAddress(GrainId GrainId, SiloAddress Silo, Guid ActivationId);
