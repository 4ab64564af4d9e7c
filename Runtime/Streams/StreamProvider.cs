using System.Text.Json;
using GrainStream.Streams;

namespace GrainStream.Runtime.Streams;

/// <summary>The stream provider of a silo or client: streams whose single writer is a hub grain.</summary>
internal sealed class StreamProvider(string name, StreamRuntime runtime) : IStreamProvider
{
    public string Name { get; } = name;

    public IAsyncStream<T> GetStream<T>(StreamId streamId) => new AsyncStream<T>(new RawStream(streamId, runtime), runtime);

    public IRawStream GetRawStream(StreamId streamId) => new RawStream(streamId, runtime);
}

/// <summary>A stream as envelopes with UTF-8 JSON payloads.</summary>
internal sealed class RawStream(StreamId streamId, StreamRuntime runtime) : IRawStream
{
    private IStreamHubGrain? _hub;

    public StreamId StreamId { get; } = streamId;

    // A publisher keeps its stream object: one hub reference serves all its publishes.
    private IStreamHubGrain Hub => _hub ??= runtime.Hub(StreamId);

    public Task<StreamSequenceToken> PublishAsync(string eventName, ReadOnlyMemory<byte> utf8JsonPayload)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        return Hub.Publish(new StreamPublication(eventName, utf8JsonPayload));
    }

    public Task<StreamSubscriptionHandle> SubscribeAsync(IStreamObserver observer, StreamSequenceToken? after = null)
        => runtime.SubscribeAsync(StreamId, observer, after);

    public Task<StreamSequenceToken> GetLastTokenAsync() => Hub.GetLastToken();

    public Task<StreamHistoryPage> ReadAsync(long afterSequence, int maxCount) => Hub.ReadHistory(afterSequence, maxCount);
}

/// <summary>A typed stream: items are serialised once at publish and deserialised per subscriber.</summary>
internal sealed class AsyncStream<T>(RawStream raw, StreamRuntime runtime) : IAsyncStream<T>
{
    public StreamId StreamId => raw.StreamId;

    // The default event name of items whose type is exactly T, computed once.
    private static readonly string DefaultEventName = JsonNamingPolicy.CamelCase.ConvertName(typeof(T).Name);

    public IRawStream Raw => raw;

    public Task<StreamSequenceToken> OnNextAsync(T item, string? eventName = null)
    {
        ArgumentNullException.ThrowIfNull(item);
        var type = item.GetType();
        var payload = runtime.Serializer.SerializeToUtf8Bytes(item, type);
        return raw.PublishAsync(eventName ?? (type == typeof(T) ? DefaultEventName : JsonNamingPolicy.CamelCase.ConvertName(type.Name)), payload);
    }

    public Task<StreamSubscriptionHandle> SubscribeAsync(IAsyncObserver<T> observer, StreamSequenceToken? after = null)
        => raw.SubscribeAsync(new TypedObserver(observer, runtime), after);

    private sealed class TypedObserver(IAsyncObserver<T> observer, StreamRuntime runtime) : IStreamObserver
    {
        public async ValueTask OnNextAsync(StreamEvent streamEvent)
            => await observer.OnNextAsync(runtime.Serializer.Deserialize<T>(streamEvent.Payload.Span), streamEvent).ConfigureAwait(false);

        public async ValueTask OnHistoryTruncatedAsync(StreamHistoryTruncated truncated)
            => await observer.OnHistoryTruncatedAsync(truncated).ConfigureAwait(false);
    }
}
