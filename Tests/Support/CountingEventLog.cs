using System.Collections.Concurrent;
using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace GrainStream.Tests.Support;

/// <summary>An <see cref="IEventLog"/> in front of the silo's own that counts appends (group commits)
/// and the events they carry, per stream: for tests that bound how many commits a burst costs.</summary>
public sealed class CountingEventLog(IEventLog inner) : DelegatingEventLog(inner)
{
    private readonly ConcurrentDictionary<StreamId, (int Appends, long Events)> _counts = new();
    private readonly ConcurrentDictionary<StreamId, long> _bytes = new();

    /// <summary>Appends to <paramref name="streamId"/> so far (one per group commit) and the events in them.</summary>
    public (int Appends, long Events) Of(StreamId streamId) => _counts.GetValueOrDefault(streamId);

    /// <summary>The payload bytes of the events appended to <paramref name="streamId"/> so far.</summary>
    public long BytesOf(StreamId streamId) => _bytes.GetValueOrDefault(streamId);

    public override async Task AppendAsync(StreamId streamId, IReadOnlyList<StreamEvent> events, CancellationToken cancellationToken = default)
    {
        await base.AppendAsync(streamId, events, cancellationToken);
        _counts.AddOrUpdate(streamId, (1, events.Count), (_, c) => (c.Appends + 1, c.Events + events.Count));
        var bytes = events.Sum(e => (long)e.Payload.Length);
        _bytes.AddOrUpdate(streamId, bytes, (_, b) => b + bytes);
    }

    /// <summary>Puts a counting log in front of the event log of the stream provider
    /// <paramref name="providerName"/> registered so far; <paramref name="created"/> gets it (one per silo).</summary>
    public static void Decorate(IServiceCollection services, Action<CountingEventLog> created, string providerName = GrainStreamEventsExtensions.DefaultProviderName)
        => EventLogDecorator.Decorate(services, inner => new CountingEventLog(inner), created, providerName);
}
