using System.Reflection;
using GrainStream.Api.Presence;
using GrainStream.Streams;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace GrainStream.Api.Sse;

/// <summary>One stream an event-stream response follows, and where the client resumes in it.</summary>
/// <param name="Stream">The stream.</param>
/// <param name="After">The client's last event (null: live from now).</param>
internal sealed record SseSubscription(StreamId Stream, StreamSequenceToken? After);

/// <summary>A presence registration made once a stream is live (chat user, queue consumer).</summary>
/// <param name="Kind">What is registered.</param>
/// <param name="Entity">The room or queue.</param>
/// <param name="Member">The user or consumer.</param>
internal sealed record SsePresence(PresenceKind Kind, string Entity, string Member);

/// <summary>The result of every event-stream endpoint. Validation (keys, Last-Event-ID) happens in the
/// endpoint before this result is returned; this result subscribes (any failure still becomes a
/// problem response, since nothing has been written yet), then writes the SSE headers, the
/// <c>retry:</c> field, what the client missed, its position, and live events until the end.</summary>
internal sealed class SseStreamResult : IResult, IEndpointMetadataProvider
{
    private readonly IReadOnlyList<SseSubscription> _subscriptions;
    private readonly MultiplexCursor? _cursor;
    private readonly IReadOnlyList<SsePresence> _presence;
    private readonly SseFrame? _final;
    private readonly bool _announcePosition;

    /// <summary>Follows <paramref name="subscriptions"/>; several require a <paramref name="cursor"/>.
    /// <paramref name="announcePosition"/> (default: when the client gave no position) sends the
    /// client's starting position as an id-only block; multiplexed streams always send it.</summary>
    public SseStreamResult(IReadOnlyList<SseSubscription> subscriptions, MultiplexCursor? cursor = null, IReadOnlyList<SsePresence>? presence = null, bool? announcePosition = null)
    {
        if (subscriptions.Count == 0) throw new ArgumentException("At least one stream.", nameof(subscriptions));
        if (subscriptions.Count != 1 && cursor is null) throw new ArgumentException("Several streams need a multiplex cursor.", nameof(cursor));
        _subscriptions = subscriptions;
        _cursor = cursor;
        _presence = presence ?? [];
        _announcePosition = cursor is not null || (announcePosition ?? subscriptions[0].After is null);
    }

    private SseStreamResult(SseFrame final)
    {
        _subscriptions = [];
        _presence = [];
        _final = final;
    }

    /// <summary>A stream of one event that then ends (a finished task's final status).</summary>
    public static SseStreamResult Final(SseFrame frame) => new(frame);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var services = httpContext.RequestServices;
        var options = services.GetRequiredService<IOptions<SseOptions>>().Value;
        var latestWins = _subscriptions.Count > 0 && _subscriptions.All(s => StreamKinds.IsLatestWins(s.Stream));
        var connection = new SseConnection(httpContext, options, latestWins, _cursor);
        if (_final is not null)
        {
            connection.Start();
            connection.Write(_final);
            await connection.FlushAsync().ConfigureAwait(false);
            return;
        }

        var hub = services.GetRequiredService<StreamRelayHub>();
        var tracker = services.GetRequiredService<SseConnectionTracker>();
        var aborted = httpContext.RequestAborted;
        // Arrays of exactly the needed size, not lists: these live as long as the connection.
        var relays = new StreamRelay?[_subscriptions.Count];
        var subscribers = new StreamRelay.Subscriber?[_subscriptions.Count];
        var registrations = _presence.Count == 0 ? null : new IDisposable?[_presence.Count];
        var tracked = false;
        try
        {
            // Subscribe first: a failure here (no silo) is still a clean 503 problem.
            for (var i = 0; i < relays.Length; i++) relays[i] = await hub.AcquireAsync(_subscriptions[i].Stream, aborted).ConfigureAwait(false);

            connection.Start();
            for (var i = 0; i < relays.Length; i++) subscribers[i] = await relays[i]!.JoinAsync(connection, _subscriptions[i].After).ConfigureAwait(false);
            if (_announcePosition) connection.WritePosition();
            // Once these headers reach the client, its streams are live: nothing published from now on is missed.
            await connection.FlushAsync().ConfigureAwait(false);
            if (connection.HasEnded) return;

            // Registered once live, so the client sees its own presence event.
            if (registrations is not null)
            {
                var registry = services.GetRequiredService<ConnectionRegistry>();
                for (var i = 0; i < registrations.Length; i++) registrations[i] = registry.Register(_presence[i].Kind, _presence[i].Entity, _presence[i].Member);
            }

            tracked = tracker.Add(connection);
            await connection.RunAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left while joining.
        }
        finally
        {
            if (tracked) tracker.Remove(connection);
            if (registrations is not null)
            {
                foreach (var registration in registrations) registration?.Dispose();
            }
            for (var i = 0; i < relays.Length; i++)
            {
                if (relays[i] is not { } relay) break;
                if (subscribers[i] is { } subscriber) relay.Leave(subscriber);
                hub.Release(relay);
            }
        }
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
        => builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), ["text/event-stream"]));
}
