using System.Net.Http.Headers;
using System.Text;

namespace GrainStream.Bench.Fanout;

/// <summary>The server under test: where a topic's subscribers connect and how a message is posted to it.</summary>
internal abstract class FanoutTarget(Uri baseUrl)
{
    public Uri BaseUrl { get; } = baseUrl;

    public abstract string Name { get; }

    /// <summary>The path (and query) of <paramref name="topic"/>'s event stream.</summary>
    public abstract string SubscribePath(string topic);

    /// <summary>A request that posts <paramref name="text"/> to <paramref name="topic"/>.</summary>
    public abstract HttpRequestMessage Publish(string topic, string text);

    public static FanoutTarget Create(string name, Uri baseUrl) => name switch
    {
        "nchan" => new NchanTarget(baseUrl),
        _ => new GrainStreamTarget(baseUrl),
    };

    /// <summary>GrainStream's chat contract: POST a message, follow the room's events.</summary>
    private sealed class GrainStreamTarget(Uri baseUrl) : FanoutTarget(baseUrl)
    {
        public override string Name => "grainstream";

        public override string SubscribePath(string topic) => $"/api/chat/rooms/{topic}/events";

        public override HttpRequestMessage Publish(string topic, string text) => new(HttpMethod.Post, new Uri(BaseUrl, $"/api/chat/rooms/{topic}/messages"))
        {
            // The text is digits, colons and letters only: no JSON escaping needed.
            Content = new StringContent($$"""{"author":"bench","text":"{{text}}"}""", Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
    }

    /// <summary>nginx + nchan: <c>/pub/{channel}</c> publishes the body, <c>/sub/{channel}</c> is an EventSource.</summary>
    private sealed class NchanTarget(Uri baseUrl) : FanoutTarget(baseUrl)
    {
        public override string Name => "nchan";

        public override string SubscribePath(string topic) => $"/sub/{topic}";

        public override HttpRequestMessage Publish(string topic, string text) => new(HttpMethod.Post, new Uri(BaseUrl, $"/pub/{topic}"))
        {
            Content = new StringContent(text, Encoding.UTF8, new MediaTypeHeaderValue("text/plain")),
        };
    }
}
