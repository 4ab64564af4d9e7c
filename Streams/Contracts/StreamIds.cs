using System.Diagnostics.CodeAnalysis;
using Orleans.Runtime;

namespace GrainStream.Streams;

/// <summary>GrainStream's stream ids: a namespace (e.g. <c>chat</c>) and a string key (e.g. a room),
/// printed <c>namespace/key</c> as Orleans prints them.</summary>
public static class StreamIds
{
    /// <summary>The stream <paramref name="key"/> in <paramref name="streamNamespace"/>.</summary>
    public static StreamId Create(string streamNamespace, string key) => StreamId.Create(streamNamespace, key);

    /// <summary>The namespace of <paramref name="streamId"/> (empty when it has none).</summary>
    public static string Namespace(this StreamId streamId) => streamId.GetNamespace() ?? "";

    /// <summary>The key of <paramref name="streamId"/> as a string.</summary>
    public static string Key(this StreamId streamId) => streamId.GetKeyAsString();

    /// <summary>Parses <c>namespace/key</c>.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out StreamId streamId)
    {
        var slash = value?.IndexOf('/') ?? -1;
        streamId = slash > 0 ? StreamId.Create(value![..slash], value[(slash + 1)..]) : default;
        return slash > 0;
    }

    /// <summary>Parses <c>namespace/key</c> or throws <see cref="FormatException"/>.</summary>
    public static StreamId Parse(string value) => TryParse(value, out var id) ? id : throw new FormatException($"'{value}' is not a stream id of the form namespace/key.");
}
