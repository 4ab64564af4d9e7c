using GrainStream.Api.Auth;
using GrainStream.Api.Presence;
using GrainStream.Api.Sse;
using GrainStream.Grains.Logs;
using GrainStream.Streams;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;

namespace GrainStream.Api.Endpoints;

/// <summary><c>GET /api/events?topic=…</c>: many streams on one SSE connection. Each event's
/// <c>event:</c> is the stream's event name and its data <c>{"topic":…,"data":…}</c>; its id is one
/// cursor over every topic, so one Last-Event-ID resumes them all.</summary>
internal static class EventsEndpoints
{
    public static IEndpointRouteBuilder MapEventsEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGroup("/events").WithTags("Events")
            .MapGet("", Events)
            .WithSummary("SSE over several topics: chat:{room}, stock:{symbol}, task:{id}, tasks:{queue}, log:{name}, queue:{queue}/{consumer}.")
            .RequireTopics(AuthorizedTopics)
            .Callers("consumer", Consumers);
        return api;
    }

    private static async Task<Results<SseStreamResult, ValidationProblem, ProblemHttpResult>> Events(HttpRequest request, IClusterClient cluster, IOptions<SseOptions> options, ConnectionRegistry registry)
    {
        var requested = request.Query["topic"];
        if (requested.Count == 0) return TopicProblem("Name at least one topic: ?topic=chat:lobby&topic=stock:ACME.");
        if (requested.Count > options.Value.MaxTopics) return TopicProblem($"At most {options.Value.MaxTopics} topics per connection.");

        var streams = new List<StreamId>(requested.Count);
        var topics = new List<string>(requested.Count);
        foreach (var topic in requested)
        {
            if (!EventTopic.TryParse(topic, out var streamId, out var error)) return TopicProblem(error);
            var canonical = StreamKinds.Topic(streamId);
            if (topics.Contains(canonical)) continue;
            streams.Add(streamId);
            topics.Add(canonical);
        }

        Dictionary<string, EventPosition>? positions = null;
        if (LastEventId.Read(request) is { } raw && !MultiplexCursor.TryParse(raw, out positions)) return LastEventId.Malformed(raw);

        var subscriptions = new List<SseSubscription>(streams.Count);
        var presence = new List<SsePresence>();
        for (var i = 0; i < streams.Count; i++)
        {
            var streamId = streams[i];
            EventPosition? after = positions is not null && positions.TryGetValue(topics[i], out var position) ? position : null;
            if (streamId.Namespace() == LogStreams.File("x").Namespace())
            {
                if (await LogEndpoints.UnknownLog(cluster, streamId.Key()) is { } unknown) return unknown;
                await cluster.GetGrain<ILogFileGrain>(streamId.Key()).EnsureWatching();
            }
            if (streamId.Namespace() == Grains.Queues.QueueStreams.Consumer("q", "c").Namespace())
            {
                var slash = streamId.Key().IndexOf('/');
                var (queue, consumer) = (streamId.Key()[..slash], streamId.Key()[(slash + 1)..]);
                // As on /api/queues/{queue}/events: one connection per consumer, and no replay of acked bodies.
                if (await QueueConsumerClaims.ClaimAsync(request.HttpContext, cluster, registry, queue, consumer) is { } refused) return refused;
                presence.Add(new SsePresence(PresenceKind.QueueConsumer, queue, consumer));
                after = null;
            }
            subscriptions.Add(new SseSubscription(streamId, after));
        }
        return new SseStreamResult(subscriptions, new MultiplexCursor(topics), presence);
    }

    /// <summary>The topics a token's <c>subscribe</c> claim must cover: each requested topic, a queue
    /// consumer's as its queue (<c>queue:{queue}</c>, the topic that enqueues publish to). Topics that
    /// do not parse are left to the endpoint's 400.</summary>
    private static IEnumerable<string> AuthorizedTopics(HttpRequest request)
    {
        foreach (var topic in request.Query["topic"])
        {
            if (!EventTopic.TryParse(topic, out _, out _)) continue;
            yield return topic!.StartsWith("queue:", StringComparison.Ordinal) ? topic[..topic.IndexOf('/')] : topic;
        }
    }

    /// <summary>The consumers named by <c>queue:{queue}/{consumer}</c> topics: each must be the token's subject.</summary>
    private static IEnumerable<string> Consumers(HttpRequest request)
    {
        foreach (var topic in request.Query["topic"])
        {
            if (topic is not null && topic.StartsWith("queue:", StringComparison.Ordinal) && EventTopic.TryParse(topic, out _, out _)) yield return topic[(topic.IndexOf('/') + 1)..];
        }
    }

    private static ValidationProblem TopicProblem(string detail)
        => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["topic"] = [detail] }, detail: detail, title: "Invalid topic");
}
