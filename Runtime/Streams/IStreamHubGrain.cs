using GrainStream.Streams;

namespace GrainStream.Runtime.Streams;

/// <summary>The single writer of one stream (a system grain keyed by the stream id): it numbers
/// events, commits them to the event log in groups, keeps the recent ones in memory, and delivers
/// them to subscribers, replaying history to late joiners without a gap or a duplicate.</summary>
public interface IStreamHubGrain : IGrainWithStringKey
{
    /// <summary>Appends an event; completes with its position once it is durable and sent to subscribers.</summary>
    Task<StreamSequenceToken> Publish(StreamPublication publication);

    /// <summary>Adds or renews a subscription; see <see cref="IRawStream.SubscribeAsync"/>.</summary>
    Task<StreamSubscribeResult> Subscribe(StreamSubscriberInfo subscriber, StreamSequenceToken? after);

    /// <summary>Removes a subscription.</summary>
    Task Unsubscribe(Guid subscriptionId);

    /// <summary>The position of the last committed event.</summary>
    [ReadOnly]
    Task<StreamSequenceToken> GetLastToken();

    /// <summary>Committed history after <paramref name="afterSequence"/>.</summary>
    [ReadOnly]
    Task<StreamHistoryPage> ReadHistory(long afterSequence, int maxCount);
}

/// <summary>An event to publish: its name and UTF-8 JSON payload.</summary>
/// <param name="EventName">The event's name.</param>
/// <param name="Payload">The payload; never mutated after publishing.</param>
[Immutable]
public sealed record StreamPublication(string EventName, ReadOnlyMemory<byte> Payload);

/// <summary>Where a subscription's events go: a silo (which dispatches to its local subscribers)
/// or a client.</summary>
/// <param name="SubscriptionId">The subscription.</param>
/// <param name="Silo">The subscribing silo, or null for a client.</param>
/// <param name="Client">The subscribing client, or <see cref="Guid.Empty"/>.</param>
[Immutable]
public sealed record StreamSubscriberInfo(Guid SubscriptionId, SiloAddress? Silo, Guid Client);

/// <summary>The outcome of a subscription: where the stream's hub lives and its last position.</summary>
/// <param name="HubSilo">The silo hosting the hub; subscribers re-subscribe when it dies.</param>
/// <param name="Last">The last committed position when the subscription went live.</param>
[Immutable]
public sealed record StreamSubscribeResult(SiloAddress HubSilo, StreamSequenceToken Last);
