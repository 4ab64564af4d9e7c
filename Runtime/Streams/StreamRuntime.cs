using System.Collections.Concurrent;
using GrainStream.Runtime.Catalog;
using GrainStream.Runtime.Configuration;
using GrainStream.Runtime.Messaging;
using GrainStream.Serialization;
using GrainStream.Streams;
using Microsoft.Extensions.Logging;

namespace GrainStream.Runtime.Streams;

/// <summary>The streaming side of a silo or client: the stream provider, the local subscriptions
/// with their ordering, de-duplication and gap checks, re-subscription after a hub's silo fails,
/// and delivery of hub output to subscriber endpoints.</summary>
internal sealed class StreamRuntime
{
    /// <summary>The name of the stream provider every silo and client has.</summary>
    public const string DefaultProviderName = "default";

    private readonly ConcurrentDictionary<Guid, LocalStreamSubscription> _subscriptions = new();
    private readonly Func<SiloAddress?, Guid, StreamDelivery, bool> _send;

    public StreamRuntime(IGrainFactory grainFactory, GrainSerializer serializer, StreamOptions options, SiloAddress? localSilo, Guid localClient,
        Func<SiloAddress?, Guid, StreamDelivery, bool> send, ILogger logger)
    {
        GrainFactory = grainFactory;
        Serializer = serializer;
        Options = options;
        LocalSilo = localSilo;
        LocalClient = localClient;
        _send = send;
        Logger = logger;
        Provider = new StreamProvider(DefaultProviderName, this);
    }

    public IGrainFactory GrainFactory { get; }

    public GrainSerializer Serializer { get; }

    public StreamOptions Options { get; }

    public SiloAddress? LocalSilo { get; }

    public Guid LocalClient { get; }

    public ILogger Logger { get; }

    public StreamProvider Provider { get; }

    public int SubscriptionCount => _subscriptions.Count;

    public IStreamProvider GetProvider(string name)
        => string.Equals(name, DefaultProviderName, StringComparison.OrdinalIgnoreCase) ? Provider
            : throw new KeyNotFoundException($"No stream provider named '{name}'; the provider is '{DefaultProviderName}'.");

    public IStreamHubGrain Hub(StreamId streamId) => GrainFactory.GetGrain<IStreamHubGrain>(streamId.ToString());

    /// <summary>Sends a hub's output to a subscriber endpoint; false when the endpoint is unreachable.</summary>
    public bool SendDelivery(SiloAddress? silo, Guid client, StreamDelivery delivery)
    {
        if (client == Guid.Empty && silo is not null && silo.Equals(LocalSilo))
        {
            OnDelivery(delivery);
            return true;
        }
        return _send(silo, client, delivery);
    }

    public async Task<StreamSubscriptionHandle> SubscribeAsync(StreamId streamId, IStreamObserver observer, StreamSequenceToken? after)
    {
        var subscription = new LocalStreamSubscription(this, streamId, observer, after, Activation.Current);
        _subscriptions[subscription.SubscriptionId] = subscription;
        try
        {
            await subscription.SubscribeAtHubAsync().ConfigureAwait(false);
        }
        catch
        {
            _subscriptions.TryRemove(subscription.SubscriptionId, out _);
            throw;
        }
        subscription.Owner?.StreamSubscriptions.TryAdd(subscription.SubscriptionId, subscription);
        return subscription;
    }

    public StreamSubscriberInfo SubscriberInfo(Guid subscriptionId) => new(subscriptionId, LocalClient == Guid.Empty ? LocalSilo : null, LocalClient);

    public void Remove(LocalStreamSubscription subscription) => _subscriptions.TryRemove(subscription.SubscriptionId, out _);

    public void OnDelivery(StreamDelivery delivery)
    {
        var ids = delivery.SubscriptionIds;
        for (var i = 0; i < ids.Count; i++)
        {
            if (_subscriptions.TryGetValue(ids[i], out var subscription)) subscription.Enqueue(delivery);
        }
    }

    /// <summary>Silos died or became unreachable: subscriptions whose hub lived there re-subscribe.</summary>
    public void OnSilosLost(IReadOnlyCollection<SiloAddress> silos)
    {
        if (silos.Count == 0) return;
        foreach (var subscription in _subscriptions.Values)
        {
            if (subscription.HubSilo is { } hub && silos.Contains(hub)) subscription.Resubscribe();
        }
    }

    /// <summary>Re-subscribes everything (a client that lost all its gateways and got them back).</summary>
    public void ResubscribeAll()
    {
        foreach (var subscription in _subscriptions.Values) subscription.Resubscribe();
    }
}
