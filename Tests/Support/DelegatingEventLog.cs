using GrainStream.Streams;
using Orleans.Runtime;

namespace GrainStream.Tests.Support;

/// <summary>An <see cref="IEventLog"/> that passes everything to <paramref name="inner"/>; test logs
/// derive from it and change what they are about.</summary>
public abstract class DelegatingEventLog(IEventLog inner) : IEventLog
{
    public virtual Task<EventLogPosition> OpenAsync(StreamId streamId, CancellationToken cancellationToken = default) => inner.OpenAsync(streamId, cancellationToken);

    public virtual Task AppendAsync(StreamId streamId, IReadOnlyList<StreamEvent> events, CancellationToken cancellationToken = default)
        => inner.AppendAsync(streamId, events, cancellationToken);

    public virtual Task<IReadOnlyList<StreamEvent>> ReadAsync(StreamId streamId, long afterSequence, int maxCount, CancellationToken cancellationToken = default)
        => inner.ReadAsync(streamId, afterSequence, maxCount, cancellationToken);

    public virtual Task<long> TrimAsync(StreamId streamId, EventRetention retention, DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
        => inner.TrimAsync(streamId, retention, now, batchSize, cancellationToken);

    public virtual Task<long> TrimBeforeAsync(StreamId streamId, long keepFrom, int batchSize, CancellationToken cancellationToken = default)
        => inner.TrimBeforeAsync(streamId, keepFrom, batchSize, cancellationToken);

    public virtual Task<bool> DeleteAsync(StreamId streamId, CancellationToken cancellationToken = default) => inner.DeleteAsync(streamId, cancellationToken);

    public virtual Task<IReadOnlyList<StreamId>> ListStreamsAsync(StreamId? after, int maxCount, CancellationToken cancellationToken = default)
        => inner.ListStreamsAsync(after, maxCount, cancellationToken);
}
