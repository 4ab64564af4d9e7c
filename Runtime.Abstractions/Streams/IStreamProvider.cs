namespace GrainStream.Streams;

/// <summary>Gives access to streams. Obtain it from a grain with <c>GetStreamProvider(name)</c> or
/// from a cluster client.</summary>
public interface IStreamProvider
{
    /// <summary>The provider's name.</summary>
    string Name { get; }

    /// <summary>A typed view of the stream: payloads are <typeparamref name="T"/>.</summary>
    IAsyncStream<T> GetStream<T>(StreamId streamId);

    /// <summary>The stream as raw envelopes with UTF-8 JSON payloads, as relayed to SSE clients.</summary>
    IRawStream GetRawStream(StreamId streamId);
}

/// <summary>A stream of envelopes with UTF-8 JSON payloads.</summary>
public interface IRawStream
{
    /// <summary>The stream.</summary>
    StreamId StreamId { get; }

    /// <summary>Publishes a payload that is already UTF-8 JSON; returns its position once it is in
    /// the stream's durable log and on its way to every subscriber.</summary>
    Task<StreamSequenceToken> PublishAsync(string eventName, ReadOnlyMemory<byte> utf8JsonPayload);

    /// <summary>Subscribes. With <paramref name="after"/> the events after it are replayed from history
    /// first and the subscription then continues live, with no gap and no duplicate in between; when
    /// history does not reach back that far, <see cref="IStreamObserver.OnHistoryTruncatedAsync"/> is
    /// called first. Without it, only events published from now on are delivered.</summary>
    Task<StreamSubscriptionHandle> SubscribeAsync(IStreamObserver observer, StreamSequenceToken? after = null);

    /// <summary>The stream's current last position (sequence 0 when nothing was published yet).</summary>
    Task<StreamSequenceToken> GetLastTokenAsync();

    /// <summary>Reads committed history: up to <paramref name="maxCount"/> events after
    /// <paramref name="afterSequence"/>, oldest first, with where the retained history starts and ends.</summary>
    Task<StreamHistoryPage> ReadAsync(long afterSequence, int maxCount);
}

/// <summary>A page of a stream's committed history.</summary>
/// <param name="Epoch">The stream's current incarnation.</param>
/// <param name="FirstSequence">The oldest retained sequence (LastSequence + 1 when none is retained).</param>
/// <param name="LastSequence">The last committed sequence.</param>
/// <param name="Events">The events read, oldest first.</param>
[Immutable]
public sealed record StreamHistoryPage(long Epoch, long FirstSequence, long LastSequence, IReadOnlyList<StreamEvent> Events);

/// <summary>A typed stream.</summary>
public interface IAsyncStream<T>
{
    /// <summary>The stream.</summary>
    StreamId StreamId { get; }

    /// <summary>Publishes <paramref name="item"/>, serialised to UTF-8 JSON once, under
    /// <paramref name="eventName"/> (default: the item's type name in camelCase).</summary>
    Task<StreamSequenceToken> OnNextAsync(T item, string? eventName = null);

    /// <summary>Subscribes with a typed observer; see <see cref="IRawStream.SubscribeAsync"/>.</summary>
    Task<StreamSubscriptionHandle> SubscribeAsync(IAsyncObserver<T> observer, StreamSequenceToken? after = null);

    /// <summary>The raw view of the same stream.</summary>
    IRawStream Raw { get; }
}

/// <summary>Receives raw stream events in order. Calls are never concurrent for one subscription.</summary>
public interface IStreamObserver
{
    /// <summary>The next event.</summary>
    ValueTask OnNextAsync(StreamEvent streamEvent);

    /// <summary>History does not reach back to the requested position.</summary>
    ValueTask OnHistoryTruncatedAsync(StreamHistoryTruncated truncated);
}

/// <summary>Receives typed stream events in order.</summary>
public interface IAsyncObserver<in T>
{
    /// <summary>The next item and its envelope.</summary>
    Task OnNextAsync(T item, StreamEvent envelope);

    /// <summary>History does not reach back to the requested position.</summary>
    Task OnHistoryTruncatedAsync(StreamHistoryTruncated truncated) => Task.CompletedTask;
}

/// <summary>An active subscription.</summary>
public abstract class StreamSubscriptionHandle : IAsyncDisposable
{
    /// <summary>The subscription's id.</summary>
    public abstract Guid SubscriptionId { get; }

    /// <summary>The stream.</summary>
    public abstract StreamId StreamId { get; }

    /// <summary>The position of the last event delivered (null before the first).</summary>
    public abstract StreamSequenceToken? LastDelivered { get; }

    /// <summary>Stops the subscription.</summary>
    public abstract Task UnsubscribeAsync();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await UnsubscribeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
