using GrainStream.Api.Auth;
using GrainStream.Api.Contracts;
using GrainStream.Api.Presence;
using GrainStream.Api.Sse;
using GrainStream.Grains.Queues;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans;

namespace GrainStream.Api.Endpoints;

/// <summary><c>/api/queues</c>: enqueue, stats, a consumer's delivery stream and acks.</summary>
internal static class QueueEndpoints
{
    public static IEndpointRouteBuilder MapQueueEndpoints(this IEndpointRouteBuilder api)
    {
        var queues = api.MapGroup("/queues/{queue}").WithTags("Queues").RequireTopic("queue", "queue");
        queues.MapPost("/messages", Enqueue).WithSummary("Appends a message; 201 {id}.");
        queues.MapGet("", GetStats).WithSummary("Depth, in flight and connected consumers.");
        queues.MapGet("/events", Events).WithSummary("SSE: message, for one consumer (?consumer= required) while it is connected.")
            .CallerInQuery("consumer");
        queues.MapPost("/ack", Ack).WithSummary("Acknowledges delivered messages; 204.")
            .CallerInBody<AckMessagesRequest>("consumer", r => r.Consumer);
        return api;
    }

    private static async Task<Created<EnqueueMessageResponse>> Enqueue(string queue, EnqueueMessageRequest request, IClusterClient cluster)
        => TypedResults.Created($"/api/queues/{queue}", new EnqueueMessageResponse(await cluster.GetGrain<IMessageQueueGrain>(queue).Enqueue(request.Body!.Value)));

    private static async Task<Ok<QueueStats>> GetStats(string queue, IClusterClient cluster)
        => TypedResults.Ok(await cluster.GetGrain<IMessageQueueGrain>(queue).GetStats());

    private static Results<SseStreamResult, ProblemHttpResult> Events(string queue, string consumer, HttpRequest request)
    {
        if (!LastEventId.TryReadToken(request, out var after, out var problem)) return problem;
        // The consumer is reported connected once its stream is live, so no delivery precedes it.
        return new SseStreamResult(
            [new SseSubscription(QueueStreams.Consumer(queue, consumer), after)],
            presence: [new SsePresence(PresenceKind.QueueConsumer, queue, consumer)]);
    }

    private static async Task<NoContent> Ack(string queue, AckMessagesRequest request, IClusterClient cluster)
    {
        await cluster.GetGrain<IMessageQueueGrain>(queue).Ack(request.Consumer!, request.Ids!);
        return TypedResults.NoContent();
    }
}
