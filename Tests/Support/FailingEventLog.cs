using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace GrainStream.Tests.Support;

/// <summary>An <see cref="IEventLog"/> in front of the silo's own whose appends fail, without writing
/// anything, while <see cref="Failure"/> is set: a full disk or a failing device, on demand.</summary>
public sealed class FailingEventLog(IEventLog inner) : IEventLog
{
    /// <summary>What every append throws while set; null: appends go through.</summary>
    public Exception? Failure { get; set; }

    public Task<EventLogPosition> OpenAsync(StreamId streamId, CancellationToken cancellationToken = default) => inner.OpenAsync(streamId, cancellationToken);

    public Task AppendAsync(StreamId streamId, IReadOnlyList<StreamEvent> events, CancellationToken cancellationToken = default)
        => Failure is { } failure ? Task.FromException(failure) : inner.AppendAsync(streamId, events, cancellationToken);

    public Task<IReadOnlyList<StreamEvent>> ReadAsync(StreamId streamId, long afterSequence, int maxCount, CancellationToken cancellationToken = default)
        => inner.ReadAsync(streamId, afterSequence, maxCount, cancellationToken);

    public Task<long> TrimAsync(StreamId streamId, EventRetention retention, DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
        => inner.TrimAsync(streamId, retention, now, batchSize, cancellationToken);

    public Task<long> TrimBeforeAsync(StreamId streamId, long keepFrom, int batchSize, CancellationToken cancellationToken = default)
        => inner.TrimBeforeAsync(streamId, keepFrom, batchSize, cancellationToken);

    public Task<bool> DeleteAsync(StreamId streamId, CancellationToken cancellationToken = default) => inner.DeleteAsync(streamId, cancellationToken);

    public Task<IReadOnlyList<StreamId>> ListStreamsAsync(StreamId? after, int maxCount, CancellationToken cancellationToken = default)
        => inner.ListStreamsAsync(after, maxCount, cancellationToken);

    /// <summary>Puts a failing log in front of the event log of the stream provider
    /// <paramref name="providerName"/> registered so far; <paramref name="created"/> gets it (one per silo).</summary>
    public static void Decorate(IServiceCollection services, Action<FailingEventLog> created, string providerName = GrainStreamEventsExtensions.DefaultProviderName)
        => EventLogDecorator.Decorate(services, inner => new FailingEventLog(inner), created, providerName);
}
