using Orleans.Runtime;
using Orleans.Streams;

namespace GrainStream.Streams;

/// <summary>A stream of a <see cref="GrainStreamProvider"/>: Orleans' typed view (items serialised
/// to JSON once at publish, read back per typed subscriber; <see cref="StreamEvent"/> subscribers
/// get the envelopes as they are) and the raw <see cref="IEventStream"/> view.</summary>
internal sealed class EventStream<T>(GrainStreamProvider provider, StreamId streamId) : IAsyncStream<T>, IEventStream
{
    private IStreamHubGrain? _hub;

    public StreamId StreamId { get; } = streamId;

    public bool IsRewindable => true;

    public string ProviderName => provider.Name;

    // A publisher keeps its stream object: one hub reference serves all its publishes.
    private IStreamHubGrain Hub => _hub ??= provider.Hub(StreamId);

    public Task<EventPosition> PublishAsync(string eventName, ReadOnlyMemory<byte> utf8JsonPayload, EventPosition? expected = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        return Hub.Publish(new StreamPublication(eventName, utf8JsonPayload, expected));
    }

    public Task<EventPosition> GetLastPositionAsync() => Hub.GetLastPosition();

    public Task<bool> DeleteAsync() => Hub.Delete();

    public Task<int> GetSubscriberCountAsync() => Hub.GetSubscriberCount();

    public Task<StreamHistoryPage> ReadAsync(long afterSequence, int maxCount) => Hub.ReadHistory(afterSequence, maxCount);

    /// <summary>Publishes <paramref name="item"/>; with a <paramref name="token"/>, at exactly that
    /// position (see <see cref="IEventStream.PublishAsync"/>).</summary>
    public Task OnNextAsync(T item, StreamSequenceToken? token = null)
    {
        ArgumentNullException.ThrowIfNull(item);
        var expected = token is null ? (EventPosition?)null : EventPositionToken.PositionOf(token);
        if (item is StreamEvent raw) return PublishAsync(raw.EventName, raw.Payload, expected);
        return PublishAsync(EventPayloadSerializer.EventNameOf(item.GetType()), provider.Serializer.Serialize(item), expected);
    }

    /// <summary>Publishes the items in order at consecutive positions with one call to the hub, which
    /// commits them in groups (see <see cref="IStreamHubGrain.PublishMany"/>); with a
    /// <paramref name="token"/>, the first must take exactly that position.</summary>
    public Task OnNextBatchAsync(IEnumerable<T> batch, StreamSequenceToken? token = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var expected = token is null ? (EventPosition?)null : EventPositionToken.PositionOf(token);
        var publications = new List<StreamPublication>(batch.TryGetNonEnumeratedCount(out var count) ? count : 16);
        foreach (var item in batch)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(batch));
            var at = expected is { } first ? first with { Sequence = first.Sequence + publications.Count } : (EventPosition?)null;
            publications.Add(item is StreamEvent raw
                ? new StreamPublication(raw.EventName, raw.Payload, at)
                : new StreamPublication(EventPayloadSerializer.EventNameOf(item.GetType()), provider.Serializer.Serialize(item), at));
        }
        return publications.Count == 0 ? Task.CompletedTask : Hub.PublishMany([.. publications]);
    }

    /// <summary>GrainStream streams do not end; completion is not an event.</summary>
    public Task OnCompletedAsync() => Task.CompletedTask;

    /// <summary>Errors are not events of a GrainStream stream.</summary>
    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;

    public Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncObserver<T> observer) => SubscribeAsync(observer, null);

    public Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncObserver<T> observer, StreamSequenceToken? token, string? filterData = null)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (filterData is not null) throw new NotSupportedException("GrainStream streams do not filter.");
        return provider.SubscribeAsync(StreamId, observer, null, token is null ? null : EventPositionToken.PositionOf(token));
    }

    public Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncBatchObserver<T> observer) => SubscribeAsync(observer, null);

    public Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncBatchObserver<T> observer, StreamSequenceToken? token)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return provider.SubscribeAsync(StreamId, null, observer, token is null ? null : EventPositionToken.PositionOf(token));
    }

    public Task<IList<StreamSubscriptionHandle<T>>> GetAllSubscriptionHandles() => Task.FromResult(provider.Subscriptions<T>(StreamId));

    public bool Equals(IAsyncStream<T>? other) => other is not null && other.ProviderName == ProviderName && other.StreamId == StreamId;

    public override bool Equals(object? obj) => obj is IAsyncStream<T> other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(ProviderName, StreamId);

    public int CompareTo(IAsyncStream<T>? other)
    {
        if (other is null) return 1;
        var byProvider = string.CompareOrdinal(ProviderName, other.ProviderName);
        return byProvider != 0 ? byProvider : StreamId.CompareTo(other.StreamId);
    }

    public override string ToString() => string.Concat(ProviderName, "/", StreamId.ToString());
}
