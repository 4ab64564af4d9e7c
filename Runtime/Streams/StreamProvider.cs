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
    public StreamId StreamId { get; } = streamId;

    public Task<StreamSequenceToken> PublishAsync(string eventName, ReadOnlyMemory<byte> utf8JsonPayload)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        return runtime.Hub(StreamId).Publish(new StreamPublication(eventName, utf8JsonPayload));
    }

    public Task<StreamSubscriptionHandle> SubscribeAsync(IStreamObserver observer, StreamSequenceToken? after = null)
        => runtime.SubscribeAsync(StreamId, observer, after);

    public Task<StreamSequenceToken> GetLastTokenAsync() => runtime.Hub(StreamId).GetLastToken();

    public Task<StreamHistoryPage> ReadAsync(long afterSequence, int maxCount) => runtime.Hub(StreamId).ReadHistory(afterSequence, maxCount);
}

/// <summary>A typed stream: items are serialised once at publish and deserialised per subscriber.</summary>
internal sealed class AsyncStream<T>(RawStream raw, StreamRuntime runtime) : IAsyncStream<T>
{
    public StreamId StreamId => raw.StreamId;

    public IRawStream Raw => raw;

    public Task<StreamSequenceToken> OnNextAsync(T item, string? eventName = null)
    {
        ArgumentNullException.ThrowIfNull(item);
        var payload = runtime.Serializer.SerializeToUtf8Bytes(item, item.GetType());
        return raw.PublishAsync(eventName ?? JsonNamingPolicy.CamelCase.ConvertName(item.GetType().Name), payload);
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
