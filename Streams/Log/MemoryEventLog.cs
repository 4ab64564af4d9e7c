using Orleans.Runtime;

namespace GrainStream.Streams;

/// <summary>Stream history in process memory, trimmed by <see cref="TrimAsync"/>. Shared by the silos
/// of one process; a new process starts new epochs, so subscribers resuming from an older process are
/// told their history is gone.</summary>
public sealed class MemoryEventLog(TimeProvider time) : IEventLog
{
    private readonly Lock _lock = new();
    private readonly Dictionary<StreamId, Log> _logs = [];
    private long _lastEpoch;

    /// <inheritdoc/>
    public Task<EventLogPosition> OpenAsync(StreamId streamId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            // A stream without a log gets a new epoch and keeps nothing until its first append.
            return Task.FromResult(_logs.TryGetValue(streamId, out var log) ? log.Position : new EventLogPosition(NextEpoch(), 1, 0));
        }
    }

    /// <inheritdoc/>
    public Task AppendAsync(StreamId streamId, IReadOnlyList<StreamEvent> events, CancellationToken cancellationToken = default)
    {
        EventLogBatch.Check(streamId, events);
        if (events.Count == 0) return Task.CompletedTask;
        lock (_lock)
        {
            var first = events[0].Position;
            if (!_logs.TryGetValue(streamId, out var log))
            {
                if (first.Sequence != 1) throw new EventLogConflictException($"Cannot append to stream {streamId} at sequence {first.Sequence}: it has no log, so the next must be 1.");
                _lastEpoch = Math.Max(_lastEpoch, first.Epoch);
                log = _logs[streamId] = new Log(first.Epoch);
            }
            if (first.Epoch != log.Epoch)
            {
                throw new EventLogConflictException($"Cannot append to stream {streamId}: the events belong to epoch {first.Epoch} but the log is at epoch {log.Epoch}.");
            }
            if (first.Sequence != log.Last + 1)
            {
                throw new EventLogConflictException($"Cannot append to stream {streamId} at sequence {first.Sequence}: the log's last sequence is {log.Last}, so the next must be {log.Last + 1}.");
            }
            log.Events.AddRange(events);
            log.Last += events.Count;
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<StreamEvent>> ReadAsync(StreamId streamId, long afterSequence, int maxCount, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (maxCount <= 0 || !_logs.TryGetValue(streamId, out var log) || log.Events.Count == 0) return Task.FromResult<IReadOnlyList<StreamEvent>>([]);
            var first = log.Events[0].Position.Sequence;
            var start = (int)Math.Max(0, afterSequence + 1 - first);
            if (start >= log.Events.Count) return Task.FromResult<IReadOnlyList<StreamEvent>>([]);
            return Task.FromResult<IReadOnlyList<StreamEvent>>(log.Events.GetRange(start, Math.Min(maxCount, log.Events.Count - start)));
        }
    }

    /// <inheritdoc/>
    public Task<long> TrimAsync(StreamId streamId, EventRetention retention, DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(retention);
        lock (_lock)
        {
            if (!_logs.TryGetValue(streamId, out var log) || log.Events.Count == 0) return Task.FromResult(0L);
            var keepFrom = retention.KeepFrom(log.Events, log.Last, now);
            var count = (int)Math.Clamp(keepFrom - log.Events[0].Position.Sequence, 0, log.Events.Count);
            log.Events.RemoveRange(0, count);
            log.First = Math.Max(log.First, keepFrom);
            return Task.FromResult((long)count);
        }
    }

    /// <inheritdoc/>
    public Task<long> TrimBeforeAsync(StreamId streamId, long keepFrom, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        lock (_lock)
        {
            if (!_logs.TryGetValue(streamId, out var log) || log.Events.Count == 0) return Task.FromResult(0L);
            var cut = Math.Min(keepFrom, log.Last + 1);
            var count = (int)Math.Clamp(cut - log.Events[0].Position.Sequence, 0, log.Events.Count);
            log.Events.RemoveRange(0, count);
            log.First = Math.Max(log.First, cut);
            return Task.FromResult((long)count);
        }
    }

    /// <inheritdoc/>
    public Task<bool> DeleteAsync(StreamId streamId, CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult(_logs.Remove(streamId));
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<StreamId>> ListStreamsAsync(StreamId? after, int maxCount, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var ordered = _logs.Keys.OrderBy(s => s.Namespace(), StringComparer.Ordinal).ThenBy(s => s.Key(), StringComparer.Ordinal);
            IEnumerable<StreamId> rest = ordered;
            if (after is { } cursor)
            {
                rest = ordered.Where(s => string.CompareOrdinal(s.Namespace(), cursor.Namespace()) is var byNamespace
                    && (byNamespace > 0 || byNamespace == 0 && string.CompareOrdinal(s.Key(), cursor.Key()) > 0));
            }
            return Task.FromResult<IReadOnlyList<StreamId>>([.. rest.Take(Math.Max(0, maxCount))]);
        }
    }

    /// <summary>Drops every stream's log (epochs are not reused), as removing the rows by hand would.</summary>
    internal void ForgetAll()
    {
        lock (_lock) _logs.Clear();
    }

    private long NextEpoch() => _lastEpoch = Math.Max(time.GetUtcNow().ToUnixTimeMilliseconds(), _lastEpoch + 1);

    private sealed class Log(long epoch)
    {
        public long Epoch { get; } = epoch;

        public long First { get; set; } = 1;

        public long Last { get; set; }

        public List<StreamEvent> Events { get; } = [];

        public EventLogPosition Position => new(Epoch, Events.Count > 0 ? Events[0].Position.Sequence : Math.Max(First, Last + 1), Last);
    }
}
