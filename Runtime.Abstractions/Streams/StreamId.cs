using System.Diagnostics.CodeAnalysis;

namespace GrainStream.Streams;

/// <summary>Identifies a stream: a namespace (e.g. <c>chat</c>) and a key (e.g. a room), printed <c>namespace/key</c>.</summary>
/// <param name="Namespace">The stream namespace; no '/'.</param>
/// <param name="Key">The key within the namespace.</param>
[Immutable]
public readonly record struct StreamId(string Namespace, string Key)
{
    /// <summary>Prints <c>namespace/key</c>.</summary>
    public override string ToString() => string.Concat(Namespace, "/", Key);

    /// <summary>Parses <c>namespace/key</c>.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out StreamId streamId)
    {
        var slash = value?.IndexOf('/') ?? -1;
        streamId = slash > 0 ? new StreamId(value![..slash], value[(slash + 1)..]) : default;
        return slash > 0;
    }

    /// <summary>Parses <c>namespace/key</c> or throws <see cref="FormatException"/>.</summary>
    public static StreamId Parse(string value) => TryParse(value, out var id) ? id : throw new FormatException($"'{value}' is not a stream id of the form namespace/key.");
}
