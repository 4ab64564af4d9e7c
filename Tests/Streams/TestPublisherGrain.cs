using System.Text.Json;
using GrainStream.Streams;
using Orleans.Streams;

namespace GrainStream.Tests.Streams;

/// <summary>An event of the stream provider's specifications.</summary>
[GenerateSerializer, Immutable]
[StreamEventName("test")]
public sealed record TestEvent(int N, string Text);

/// <summary>Publishes on <c>test/{key}</c> from inside the cluster, as the platform's grains do.</summary>
public interface ITestPublisherGrain : IGrainWithStringKey
{
    /// <summary>Publishes one typed event.</summary>
    Task Publish(int n);

    /// <summary>Publishes one event as raw JSON; returns its position.</summary>
    Task<EventPosition> PublishRaw(int n);

    /// <summary>Publishes at exactly <paramref name="expected"/>.</summary>
    Task PublishAt(int n, EventPosition expected);
}

public sealed class TestPublisherGrain : Grain, ITestPublisherGrain
{
    public static StreamId StreamOf(string key) => StreamIds.Create("test", key);

    private IAsyncStream<TestEvent> Stream => this.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetStream<TestEvent>(StreamOf(this.GetPrimaryKeyString()));

    public Task Publish(int n) => Stream.OnNextAsync(new TestEvent(n, $"event {n}"));

    public Task<EventPosition> PublishRaw(int n)
        => ((IEventStream)Stream).PublishAsync("test", JsonSerializer.SerializeToUtf8Bytes(new TestEvent(n, $"event {n}"), JsonSerializerOptions.Web));

    public Task PublishAt(int n, EventPosition expected) => Stream.OnNextAsync(new TestEvent(n, $"event {n}"), new EventPositionToken(expected));
}
