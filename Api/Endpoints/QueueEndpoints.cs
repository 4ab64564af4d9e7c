using GrainStream.Api.Auth;
using GrainStream.Api.Contracts;
using GrainStream.Api.Presence;
using GrainStream.Api.Sse;
using GrainStream.Grains.Queues;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orleans;

namespace GrainStream.Api.Endpoints;

/// <summary><c>/api/queues</c>: enqueue, stats, a consumer's delivery stream, ack, nack and extend.</summary>
internal static class QueueEndpoints
{
    public static IEndpointRouteBuilder MapQueueEndpoints(this IEndpointRouteBuilder api)
    {
        var queues = api.MapGroup("/queues/{queue}").WithTags("Queues").RequireTopic("queue", "queue");
        queues.MapPost("/messages", Enqueue).WithSummary("Appends a message; 201 {id}.");
        queues.MapGet("", GetStats).WithSummary("Depth, in flight and connected consumers.");
        queues.MapGet("/events", Events).WithSummary("SSE: message, for one consumer (?consumer= required; one connection per consumer, a second is 409). A resume starts at the consumer's unacked deliveries.")
            .CallerInQuery("consumer");
        queues.MapPost("/ack", Ack).WithSummary("Acknowledges deliveries by ids or receipts; 204, or 409 naming those the consumer does not hold (the others are acked).")
            .CallerInBody<AckMessagesRequest>("consumer", r => r.Consumer);
        queues.MapPost("/nack", Nack).WithSummary("Gives deliveries back: redelivered at once, to any consumer; 204 or 409 as ack.")
            .CallerInBody<NackMessagesRequest>("consumer", r => r.Consumer);
        queues.MapPost("/extend", Extend).WithSummary("Keeps deliveries invisible for 'seconds' from now; 204 or 409 as ack.")
            .CallerInBody<ExtendVisibilityRequest>("consumer", r => r.Consumer);
        return api;
    }

    private static async Task<Created<EnqueueMessageResponse>> Enqueue(string queue, EnqueueMessageRequest request, IClusterClient cluster)
        => TypedResults.Created($"/api/queues/{queue}", new EnqueueMessageResponse(await cluster.GetGrain<IMessageQueueGrain>(queue).Enqueue(request.Body!.Value)));

    private static async Task<Ok<QueueStats>> GetStats(string queue, IClusterClient cluster)
        => TypedResults.Ok(await cluster.GetGrain<IMessageQueueGrain>(queue).GetStats());

    private static async Task<Results<SseStreamResult, ProblemHttpResult>> Events(string queue, string consumer, HttpRequest request, IClusterClient cluster, ConnectionRegistry registry)
    {
        // A resume position is checked but not replayed from: the stream's history holds acked
        // bodies. The stream starts live and the queue sends again what the consumer still holds.
        if (!LastEventId.TryReadToken(request, out _, out var problem)) return problem;
        if (await QueueConsumerClaims.ClaimAsync(request.HttpContext, cluster, registry, queue, consumer) is { } refused) return refused;
        // The consumer is reported connected once its stream is live, so no delivery precedes it.
        return new SseStreamResult(
            [new SseSubscription(QueueStreams.Consumer(queue, consumer), null)],
            presence: [new SsePresence(PresenceKind.QueueConsumer, queue, consumer)]);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Ack(string queue, AckMessagesRequest request, IClusterClient cluster, IOptions<QueueOptions> options)
        => ReceiptsRequired(request, options.Value) ?? Answer(queue, request.Consumer!, "acked",
            await cluster.GetGrain<IMessageQueueGrain>(queue).Acknowledge(request.Consumer!, request.Ids, request.Receipts));

    private static async Task<Results<NoContent, ProblemHttpResult>> Nack(string queue, NackMessagesRequest request, IClusterClient cluster, IOptions<QueueOptions> options)
        => ReceiptsRequired(request, options.Value) ?? Answer(queue, request.Consumer!, "given back",
            await cluster.GetGrain<IMessageQueueGrain>(queue).Nack(request.Consumer!, request.Ids, request.Receipts));

    private static async Task<Results<NoContent, ProblemHttpResult>> Extend(string queue, ExtendVisibilityRequest request, IClusterClient cluster, IOptions<QueueOptions> options)
        => ReceiptsRequired(request, options.Value) ?? Answer(queue, request.Consumer!, "extended",
            await cluster.GetGrain<IMessageQueueGrain>(queue).ExtendVisibility(request.Consumer!, request.Ids, request.Receipts, TimeSpan.FromSeconds(request.Seconds!.Value)));

    /// <summary>With <c>Queues:RequireReceipts</c>, a name and a message id prove nothing: only receipts are accepted.</summary>
    private static ProblemHttpResult? ReceiptsRequired(IDeliveryReferences request, QueueOptions options)
        => options.RequireReceipts && request.Ids is { Count: > 0 }
            ? TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Receipts required",
                detail: "This server names deliveries by 'receipts' only (Queues:RequireReceipts); 'ids' are not accepted.")
            : null;

    /// <summary>204 when everything named was held; otherwise 409 naming what was not (what was held is settled all the same).</summary>
    private static Results<NoContent, ProblemHttpResult> Answer(string queue, string consumer, string what, QueueSettlement settlement)
    {
        if (settlement.AllHeld) return TypedResults.NoContent();
        var named = string.Join(", ", settlement.NotHeldIds.Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Concat(settlement.NotHeldReceipts.Select(r => $"receipt {r}")));
        return TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "Not held by the consumer",
            detail: $"Consumer '{consumer}' of queue '{queue}' does not hold {named} (never delivered to it, acked already, or taken back after the visibility timeout); {settlement.Settled} other(s) {what}.",
            extensions: new Dictionary<string, object?> { ["ids"] = settlement.NotHeldIds, ["receipts"] = settlement.NotHeldReceipts, ["settled"] = settlement.Settled });
    }
}
