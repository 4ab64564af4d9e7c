using System.Collections.Concurrent;
using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace GrainStream.Tests.Support;

/// <summary>An <see cref="IEventLog"/> in front of the silo's own that counts appends (group commits)
/// and the events they carry, per stream: for tests that bound how many commits a burst costs.</summary>
public sealed class CountingEventLog(IEventLog inner) : IEventLog
{
    private readonly ConcurrentDictionary<StreamId, (int Appends, long Events)> _counts = new();
    private readonly ConcurrentDictionary<StreamId, long> _bytes = new();

    /// <summary>Appends to <paramref name="streamId"/> so far (one per group commit) and the events in them.</summary>
    public (int Appends, long Events) Of(StreamId streamId) => _counts.GetValueOrDefault(streamId);

    /// <summary>The payload bytes of the events appended to <paramref name="streamId"/> so far.</summary>
    public long BytesOf(StreamId streamId) => _bytes.GetValueOrDefault(streamId);

    public Task<EventLogPosition> OpenAsync(StreamId streamId, CancellationToken cancellationToken = default) => inner.OpenAsync(streamId, cancellationToken);

    public async Task AppendAsync(StreamId streamId, IReadOnlyList<StreamEvent> events, CancellationToken cancellationToken = default)
    {
        await inner.AppendAsync(streamId, events, cancellationToken);
        _counts.AddOrUpdate(streamId, (1, events.Count), (_, c) => (c.Appends + 1, c.Events + events.Count));
        var bytes = events.Sum(e => (long)e.Payload.Length);
        _bytes.AddOrUpdate(streamId, bytes, (_, b) => b + bytes);
    }

    public Task<IReadOnlyList<StreamEvent>> ReadAsync(StreamId streamId, long afterSequence, int maxCount, CancellationToken cancellationToken = default)
        => inner.ReadAsync(streamId, afterSequence, maxCount, cancellationToken);

    public Task<long> TrimAsync(StreamId streamId, EventRetention retention, DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
        => inner.TrimAsync(streamId, retention, now, batchSize, cancellationToken);

    public Task<long> TrimBeforeAsync(StreamId streamId, long keepFrom, int batchSize, CancellationToken cancellationToken = default)
        => inner.TrimBeforeAsync(streamId, keepFrom, batchSize, cancellationToken);

    public Task<bool> DeleteAsync(StreamId streamId, CancellationToken cancellationToken = default) => inner.DeleteAsync(streamId, cancellationToken);

    public Task<IReadOnlyList<StreamId>> ListStreamsAsync(StreamId? after, int maxCount, CancellationToken cancellationToken = default)
        => inner.ListStreamsAsync(after, maxCount, cancellationToken);

    /// <summary>Puts a counting log in front of the event log of the stream provider
    /// <paramref name="providerName"/> registered so far; <paramref name="created"/> gets it (one per silo).</summary>
    public static void Decorate(IServiceCollection services, Action<CountingEventLog> created, string providerName = GrainStreamEventsExtensions.DefaultProviderName)
        => EventLogDecorator.Decorate(services, inner => new CountingEventLog(inner), created, providerName);
}
