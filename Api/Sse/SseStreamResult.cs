using System.Reflection;
using GrainStream.Api.Auth;
using GrainStream.Api.Diagnostics;
using GrainStream.Api.Errors;
using GrainStream.Api.Limits;
using GrainStream.Api.Presence;
using GrainStream.Streams;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace GrainStream.Api.Sse;

/// <summary>One stream an event-stream response follows, and where the client resumes in it.</summary>
/// <param name="Stream">The stream.</param>
/// <param name="After">The client's last event (null: live from now).</param>
internal sealed record SseSubscription(StreamId Stream, EventPosition? After);

/// <summary>A presence registration made once a stream is live (chat user, queue consumer).</summary>
/// <param name="Kind">What is registered.</param>
/// <param name="Entity">The room or queue.</param>
/// <param name="Member">The user or consumer.</param>
internal sealed record SsePresence(PresenceKind Kind, string Entity, string Member);

/// <summary>The result of every event-stream endpoint. Validation (keys, Last-Event-ID) happens in the
/// endpoint before this result is returned; this result subscribes (any failure still becomes a
/// problem response, since nothing has been written yet), then writes the SSE headers, the
/// <c>retry:</c> field, what the client missed, its position, and live events until the end.</summary>
/// <remarks>One instance per request: it also holds what its connection is attached to (relays,
/// presence registrations), detached when the connection ends. Arrays of exactly the needed size,
/// not lists, since they live as long as the connection.</remarks>
internal sealed class SseStreamResult : IResult, IEndpointMetadataProvider, ISseConnectionOwner
{
    private readonly IReadOnlyList<SseSubscription> _subscriptions;
    private readonly MultiplexCursor? _cursor;
    private readonly IReadOnlyList<SsePresence> _presence;
    private readonly SseFrame? _final;
    private readonly bool _announcePosition;
    private readonly StreamRelay?[] _relays;
    private readonly StreamRelay.Subscriber?[] _subscribers;
    private readonly IDisposable?[]? _registrations;
    private StreamRelayHub? _hub;
    private SseConnectionTracker? _tracker;
    private SseClientSlot? _slot;
    private ITimer? _expiry;

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
        _relays = new StreamRelay?[subscriptions.Count];
        _subscribers = new StreamRelay.Subscriber?[subscriptions.Count];
        _registrations = _presence.Count == 0 ? null : new IDisposable?[_presence.Count];
    }

    private SseStreamResult(SseFrame final)
    {
        _subscriptions = [];
        _presence = [];
        _final = final;
        _relays = [];
        _subscribers = [];
    }

    /// <summary>A stream of one event that then ends (a finished task's final status).</summary>
    public static SseStreamResult Final(SseFrame frame) => new(frame);

    /// <summary>Holds the client's admission (<see cref="SseAdmissionFilter"/>) until the stream ends.</summary>
    public void Hold(SseClientSlot slot) => _slot = slot;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        try
        {
            return Execute(httpContext);
        }
        catch
        {
            _slot?.Release();
            throw;
        }
    }

    private Task Execute(HttpContext httpContext)
    {
        var services = httpContext.RequestServices;
        var options = services.GetRequiredService<IOptions<SseOptions>>().Value;
        if (services.GetRequiredService<SseConnectionTracker>().IsDraining)
        {
            // The node is shutting down: the client (or its load balancer) should go elsewhere.
            httpContext.Response.Headers.RetryAfter = ProblemMapping.RetryAfterSeconds;
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Shutting down",
                detail: "This node is draining; reconnect (to another node) shortly.").ExecuteAsync(httpContext);
        }
        var latestWins = _subscriptions.Count > 0 && _subscriptions.All(s => StreamKinds.IsLatestWins(s.Stream));
        var connection = new SseConnection(httpContext, options, latestWins, _cursor);
        if (_final is not null) return WriteFinalAsync(connection, _final);

        // Usually the start completes at once (the relay is live, the client is up to date) and
        // the drain loop is then the only frame an idle connection keeps.
        var starting = StartAsync(connection, services, options);
        if (!starting.IsCompletedSuccessfully) return RunAfterStartAsync(starting, connection);
        return starting.Result ? connection.RunAsync(this) : Task.CompletedTask;
    }

    private async Task WriteFinalAsync(SseConnection connection, SseFrame final)
    {
        try
        {
            connection.Start();
            connection.Write(final);
            await connection.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _slot?.Release();
        }
    }

    private async Task RunAfterStartAsync(Task<bool> starting, SseConnection connection)
    {
        if (await starting.ConfigureAwait(false)) await connection.RunAsync(this).ConfigureAwait(false);
    }

    /// <summary>Subscribes, writes the headers and what the client missed, and registers presence:
    /// true when the connection is live and its drain loop should run; otherwise everything it
    /// attached is detached again.</summary>
    private async Task<bool> StartAsync(SseConnection connection, IServiceProvider services, SseOptions options)
    {
        _hub = services.GetRequiredService<StreamRelayHub>();
        var aborted = connection.Aborted;
        var live = false;
        try
        {
            // Subscribe first: a failure here (no silo) is still a clean 503 problem.
            for (var i = 0; i < _relays.Length; i++) _relays[i] = await _hub.AcquireAsync(_subscriptions[i].Stream, aborted).ConfigureAwait(false);

            // In the Jwt mode the stream lasts as long as its token. Set before the client can see the
            // stream, so that whatever it observes happens with the expiry already scheduled.
            _expiry = TokenExpiry.EndStreamAtExpiry(connection, services, options.RetryMilliseconds);
            connection.Start();
            for (var i = 0; i < _relays.Length; i++) _subscribers[i] = await _relays[i]!.JoinAsync(connection, _subscriptions[i].After).ConfigureAwait(false);
            if (_announcePosition) connection.WritePosition();
            // Once these headers reach the client, its streams are live: nothing published from now on is missed.
            await connection.FlushAsync().ConfigureAwait(false);
            if (connection.HasEnded) return false;
            if (options.DirectSocketWrites) connection.WriteToSocketFromNowOn();

            // Registered once live, so the client sees its own presence event.
            if (_registrations is not null)
            {
                var registry = services.GetRequiredService<ConnectionRegistry>();
                for (var i = 0; i < _registrations.Length; i++) _registrations[i] = registry.Register(_presence[i].Kind, _presence[i].Entity, _presence[i].Member);
            }

            _tracker = services.GetRequiredService<SseConnectionTracker>();
            if (!_tracker.Add(connection)) _tracker = null;
            if (IsResume) services.GetRequiredService<GrainStreamMetrics>().Resumed();
            live = true;
            return true;
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left while joining.
            return false;
        }
        finally
        {
            if (!live) Detach(connection);
        }
    }

    private bool IsResume
    {
        get
        {
            foreach (var subscription in _subscriptions)
            {
                if (subscription.After is not null) return true;
            }
            return false;
        }
    }

    /// <summary>Called once the connection's drain loop has ended: undoes everything it was attached to.</summary>
    void ISseConnectionOwner.Ended(SseConnection connection) => Detach(connection);

    private void Detach(SseConnection connection)
    {
        _expiry?.Dispose();
        _slot?.Release();
        _tracker?.Remove(connection);
        if (_registrations is not null)
        {
            foreach (var registration in _registrations) registration?.Dispose();
        }
        for (var i = 0; i < _relays.Length; i++)
        {
            if (_relays[i] is not { } relay) break;
            if (_subscribers[i] is { } subscriber) relay.Leave(subscriber);
            _hub!.Release(relay);
        }
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), ["text/event-stream"]));
        builder.Metadata.Add(EventStreamEndpoint.Instance);
    }
}
