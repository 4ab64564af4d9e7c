using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using GrainStream.Grains;
using GrainStream.Streams;
using Orleans.Streams;
using Orleans.TestingHost;

namespace GrainStream.Tests.Platform;

/// <summary>Records a stream's events as a client (an API node) receives them, with typed views
/// of the payloads by event name.</summary>
public sealed class RawStreamRecorder : IAsyncObserver<StreamEvent>, IStreamHistoryObserver
{
    public ConcurrentQueue<StreamEvent> Events { get; } = new();

    public ConcurrentQueue<StreamHistoryTruncated> Truncations { get; } = new();

    public StreamSubscriptionHandle<StreamEvent> Handle { get; private set; } = null!;

    public static async Task<RawStreamRecorder> SubscribeAsync(InProcessTestCluster cluster, StreamId streamId, EventPosition? after = null)
    {
        var recorder = new RawStreamRecorder();
        var stream = cluster.Client.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetStream<StreamEvent>(streamId);
        recorder.Handle = await stream.SubscribeAsync(recorder, after is { } position ? new EventPositionToken(position) : null);
        return recorder;
    }

    public Task OnNextAsync(StreamEvent item, StreamSequenceToken? token = null)
    {
        Events.Enqueue(item);
        return Task.CompletedTask;
    }

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;

    public Task OnHistoryTruncatedAsync(StreamHistoryTruncated truncated)
    {
        Truncations.Enqueue(truncated);
        return Task.CompletedTask;
    }

    /// <summary>The payloads of the events named <paramref name="eventName"/>, in order.</summary>
    public List<T> Of<T>(string eventName)
    {
        var typeInfo = (JsonTypeInfo<T>)GrainsJsonContext.Default.GetTypeInfo(typeof(T))!;
        return [.. Events.Where(e => e.EventName == eventName).Select(e => JsonSerializer.Deserialize(e.Payload.Span, typeInfo)!)];
    }
}
