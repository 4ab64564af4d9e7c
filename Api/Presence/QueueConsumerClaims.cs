using GrainStream.Grains.Queues;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans;

namespace GrainStream.Api.Presence;

/// <summary>One connection per queue consumer, across all API nodes: before a consumer's event stream
/// opens, its name is claimed from the queue (<see cref="IMessageQueueGrain.ClaimConsumer"/>) and
/// released when the response ends. A second connection under the name is refused with 409, so that
/// two connections never both receive the consumer's deliveries.</summary>
internal static class QueueConsumerClaims
{
    /// <summary>Claims <paramref name="consumer"/> of <paramref name="queue"/> for this request: null when
    /// claimed (released when the response completes), else the 409 problem to answer.</summary>
    public static async Task<ProblemHttpResult?> ClaimAsync(HttpContext context, IClusterClient cluster, ConnectionRegistry registry, string queue, string consumer)
    {
        var grain = cluster.GetGrain<IMessageQueueGrain>(queue);
        // This node's own streams are known here even when the queue has just been re-activated.
        if (registry.IsRegistered(PresenceKind.QueueConsumer, queue, consumer)) return Refused(context, queue, consumer, registry.Lease);
        var connection = Guid.NewGuid().ToString("N");
        if (!await grain.ClaimConsumer(registry.NodeId, connection, consumer, registry.Lease)) return Refused(context, queue, consumer, registry.Lease);
        context.Response.OnCompleted(async () =>
        {
            try
            {
                await grain.ReleaseConsumer(consumer, connection);
            }
            catch (Exception exception)
            {
                // The claim lapses by itself once the node stops reporting the consumer.
                context.RequestServices.GetRequiredService<ILogger<ConnectionRegistry>>()
                    .LogDebug(exception, "Releasing consumer {Consumer} of queue {Queue} failed", consumer, queue);
            }
        });
        return null;
    }

    private static ProblemHttpResult Refused(HttpContext context, string queue, string consumer, TimeSpan lease)
    {
        // A connection lost without a goodbye (its node died) holds the name until its lease runs out.
        context.Response.Headers.RetryAfter = ((long)Math.Ceiling(lease.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "Consumer already connected",
            detail: $"Consumer '{consumer}' of queue '{queue}' already has an open event stream; one connection per consumer name.");
    }
}
