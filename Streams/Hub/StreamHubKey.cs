using Orleans.Runtime;

namespace GrainStream.Streams;

/// <summary>The key of a stream's hub grain: <c>provider/namespace/key</c>, so that two providers
/// never share a hub.</summary>
internal static class StreamHubKey
{
    public static string Format(string provider, StreamId streamId) => string.Concat(provider, "/", streamId.ToString());

    public static (string Provider, StreamId StreamId) Parse(string hubKey)
    {
        var slash = hubKey.IndexOf('/');
        if (slash <= 0) throw new FormatException($"'{hubKey}' is not a stream hub key (provider/namespace/key).");
        return (hubKey[..slash], StreamIds.Parse(hubKey[(slash + 1)..]));
    }
}
