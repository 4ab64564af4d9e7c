using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace GrainStream.Streams;

/// <summary>GrainStream's Orleans stream provider: push delivery by grain calls, durable and
/// rewindable. Each stream has a hub grain that numbers its events, commits them to the provider's
/// <see cref="IEventLog"/> before <c>OnNextAsync</c> completes, and pushes them to the subscribers'
/// processes; subscribing with a token replays from the log and continues live with no gap and no
/// duplicate. Registered by name with <c>AddGrainStreamEvents(name)</c> on silos and clients and
/// found like any provider: <c>GetStreamProvider(name)</c>.</summary>
public sealed class GrainStreamProvider : IStreamProvider, IAsyncDisposable
{
    private readonly IGrainFactory _grainFactory;

    internal GrainStreamProvider(string name, IGrainFactory grainFactory, EventStreamOptions options, EventPayloadSerializer serializer, TimeProvider time, ILogger logger)
    {
        Name = name;
        _grainFactory = grainFactory;
        Options = options;
        Serializer = serializer;
        Time = time;
        Logger = logger;
        Endpoint = new StreamDeliveryEndpoint(grainFactory, options, time, logger);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Always true: subscriptions can start from any retained position.</summary>
    public bool IsRewindable => true;

    internal EventStreamOptions Options { get; }

    internal EventPayloadSerializer Serializer { get; }

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    internal StreamDeliveryEndpoint Endpoint { get; }

    /// <inheritdoc/>
    public IAsyncStream<T> GetStream<T>(StreamId streamId) => new EventStream<T>(this, streamId);

    /// <summary>The stream as envelopes with UTF-8 JSON payloads: publish pre-serialised events, read history.</summary>
    public IEventStream GetEventStream(StreamId streamId) => new EventStream<StreamEvent>(this, streamId);

    internal IStreamHubGrain Hub(StreamId streamId) => _grainFactory.GetGrain<IStreamHubGrain>(StreamHubKey.Format(Name, streamId));

    internal async Task<StreamSubscriptionHandle<T>> SubscribeAsync<T>(StreamId streamId, IAsyncObserver<T>? observer, IAsyncBatchObserver<T>? batchObserver, EventPosition? after)
    {
        var subscription = new EventStreamSubscription<T>(this, streamId, after);
        subscription.SetObserver(observer, batchObserver);
        Endpoint.Add(subscription);
        try
        {
            await subscription.SubscribeAtHubAsync().ConfigureAwait(false);
        }
        catch
        {
            Endpoint.Remove(subscription);
            throw;
        }
        return subscription;
    }

    internal IList<StreamSubscriptionHandle<T>> Subscriptions<T>(StreamId streamId)
        => [.. Endpoint.Subscriptions.OfType<EventStreamSubscription<T>>().Where(s => s.StreamId == streamId)];

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => Endpoint.DisposeAsync();
}
