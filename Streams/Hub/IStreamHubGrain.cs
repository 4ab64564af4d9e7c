using Orleans.Concurrency;

namespace GrainStream.Streams;

/// <summary>The single writer and rendezvous of one stream of one provider (keyed
/// <c>provider/namespace/key</c>): it numbers events, commits them to the provider's event log in
/// groups, keeps the recent ones in memory and pushes them to the subscribers' delivery endpoints,
/// replaying history to late joiners without a gap or a duplicate.</summary>
[Alias("gs.IStreamHubGrain")]
public interface IStreamHubGrain : IGrainWithStringKey
{
    /// <summary>Appends an event; completes with its position once it is durable and sent to subscribers.</summary>
    [Alias("Publish")]
    Task<EventPosition> Publish(StreamPublication publication);

    /// <summary>Appends events in order, at consecutive positions, in one call: they join the hub's
    /// group commits as a block (a publisher of many events pays one call and a commit per
    /// <see cref="EventStreamOptions.MaxCommitBatch"/> events, not one each). Completes with the last
    /// one's position once all are durable and sent; when a commit fails, the call fails (events of
    /// earlier commits stay). An <see cref="StreamPublication.Expected"/> position that does not
    /// match fails the whole call before anything is appended.</summary>
    [Alias("PublishMany")]
    Task<EventPosition> PublishMany(StreamPublication[] publications);

    /// <summary>Adds a subscription; see <see cref="IEventStream.GetLastPositionAsync"/>. Events after
    /// <paramref name="after"/> are replayed first (none when it is null) and live ones follow.</summary>
    [Alias("Subscribe")]
    Task<EventPosition> Subscribe(StreamSubscriberInfo subscriber, EventPosition? after);

    /// <summary>Renews the lease of an endpoint's subscriptions; returns those the hub does not know
    /// (it was re-activated, e.g. after its silo died), which must subscribe again.</summary>
    [Alias("Renew")]
    Task<Guid[]> Renew(IStreamDeliveryObserver endpoint, Guid[] subscriptionIds);

    /// <summary>Removes a subscription.</summary>
    [Alias("Unsubscribe")]
    Task Unsubscribe(Guid subscriptionId);

    /// <summary>The position of the last committed event.</summary>
    [ReadOnly, Alias("GetLastPosition")]
    Task<EventPosition> GetLastPosition();

    /// <summary>Deletes the stream's durable log; see <see cref="IEventStream.DeleteAsync"/>.</summary>
    [Alias("Delete")]
    Task<bool> Delete();

    /// <summary>How many subscriptions the hub holds (live or still replaying).</summary>
    [ReadOnly, Alias("GetSubscriberCount")]
    Task<int> GetSubscriberCount();

    /// <summary>Committed history after <paramref name="afterSequence"/>.</summary>
    [ReadOnly, Alias("ReadHistory")]
    Task<StreamHistoryPage> ReadHistory(long afterSequence, int maxCount);
}

/// <summary>An event to publish: its name, UTF-8 JSON payload and, optionally, the position it must take.</summary>
/// <param name="EventName">The event's name.</param>
/// <param name="Payload">The payload; never mutated after publishing.</param>
/// <param name="Expected">When set, the publish fails with <see cref="StreamPositionConflictException"/>
/// unless the event would take exactly this position (epoch 0: any epoch).</param>
[GenerateSerializer, Immutable, Alias("gs.StreamPublication")]
public sealed record StreamPublication(string EventName, ReadOnlyMemory<byte> Payload, EventPosition? Expected = null);

/// <summary>A subscription and the endpoint its events go to.</summary>
/// <param name="SubscriptionId">The subscription.</param>
/// <param name="Endpoint">The delivery endpoint of the subscribing process (silo or client).</param>
[GenerateSerializer, Immutable, Alias("gs.StreamSubscriberInfo")]
public sealed record StreamSubscriberInfo(Guid SubscriptionId, IStreamDeliveryObserver Endpoint);

/// <summary>What a hub sends an endpoint: events (or a truncation signal) for some of its subscriptions.</summary>
/// <param name="HubKey">The hub's key (provider/namespace/key).</param>
/// <param name="SubscriptionIds">The endpoint's subscriptions it is for.</param>
/// <param name="Truncated">A history-truncated signal, delivered before the events.</param>
/// <param name="Events">Events in sequence order.</param>
/// <param name="HubLeaving">The hub is deactivating: subscribe again (to its next activation).</param>
[GenerateSerializer, Immutable, Alias("gs.StreamDelivery")]
public sealed record StreamDelivery(string HubKey, Guid[] SubscriptionIds, StreamHistoryTruncated? Truncated, IReadOnlyList<StreamEvent> Events, bool HubLeaving = false);

/// <summary>A process's delivery endpoint: hubs push events to it with one-way calls, and it hands
/// them to the process's subscriptions.</summary>
[Alias("gs.IStreamDeliveryObserver")]
public interface IStreamDeliveryObserver : IGrainObserver
{
    /// <summary>Events for some of this endpoint's subscriptions.</summary>
    [OneWay, Alias("Deliver")]
    Task Deliver(StreamDelivery delivery);
}
