using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using GrainStream.Grains;
using GrainStream.Runtime.Testing;
using GrainStream.Streams;

namespace GrainStream.Tests.Platform;

/// <summary>Records a stream's events as a client (an API node) receives them, with typed views
/// of the payloads by event name.</summary>
public sealed class RawStreamRecorder : IStreamObserver
{
    public ConcurrentQueue<StreamEvent> Events { get; } = new();

    public static async Task<RawStreamRecorder> SubscribeAsync(InProcessTestCluster cluster, StreamId streamId)
    {
        var recorder = new RawStreamRecorder();
        await cluster.Client.GetStreamProvider("default").GetRawStream(streamId).SubscribeAsync(recorder);
        return recorder;
    }

    public ValueTask OnNextAsync(StreamEvent streamEvent)
    {
        Events.Enqueue(streamEvent);
        return default;
    }

    public ValueTask OnHistoryTruncatedAsync(StreamHistoryTruncated truncated) => default;

    /// <summary>The payloads of the events named <paramref name="eventName"/>, in order.</summary>
    public List<T> Of<T>(string eventName)
    {
        var typeInfo = (JsonTypeInfo<T>)GrainsJsonContext.Default.GetTypeInfo(typeof(T))!;
        return [.. Events.Where(e => e.EventName == eventName).Select(e => JsonSerializer.Deserialize(e.Payload.Span, typeInfo)!)];
    }
}
