using Orleans.Runtime;

namespace GrainStream.Streams;

/// <summary>Stream history in process memory, trimmed to <see cref="MaxEventsPerStream"/> per
/// stream. Shared by the silos of one process; a new process starts new epochs, so subscribers
/// resuming from an older process are told their history is gone.</summary>
public sealed class MemoryEventLog(TimeProvider time, int maxEventsPerStream = 10_000) : IEventLog
{
    private readonly Lock _lock = new();
    private readonly Dictionary<StreamId, Log> _logs = [];
    private long _lastEpoch;

    /// <summary>Events kept per stream.</summary>
    public int MaxEventsPerStream { get; } = maxEventsPerStream;

    /// <inheritdoc/>
    public Task<EventLogPosition> OpenAsync(StreamId streamId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var log = GetOrCreate(streamId);
            return Task.FromResult(log.Position);
        }
    }

    /// <inheritdoc/>
    public Task AppendAsync(StreamId streamId, IReadOnlyList<StreamEvent> events, CancellationToken cancellationToken = default)
    {
        if (events.Count == 0) return Task.CompletedTask;
        lock (_lock)
        {
            var log = GetOrCreate(streamId);
            for (var i = 0; i < events.Count; i++)
            {
                var token = events[i].Position;
                if (token.Epoch != log.Epoch || token.Sequence != log.Last + 1 + i)
                {
                    throw new EventLogConflictException($"Append to {streamId} at {token} does not continue the log at {log.Epoch}-{log.Last}.");
                }
            }
            log.Events.AddRange(events);
            log.Last += events.Count;
            var excess = log.Events.Count - MaxEventsPerStream;
            if (excess > 0) log.Events.RemoveRange(0, excess);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<StreamEvent>> ReadAsync(StreamId streamId, long afterSequence, int maxCount, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_logs.TryGetValue(streamId, out var log) || log.Events.Count == 0) return Task.FromResult<IReadOnlyList<StreamEvent>>([]);
            var first = log.Events[0].Position.Sequence;
            var start = (int)Math.Max(0, afterSequence + 1 - first);
            if (start >= log.Events.Count) return Task.FromResult<IReadOnlyList<StreamEvent>>([]);
            return Task.FromResult<IReadOnlyList<StreamEvent>>(log.Events.GetRange(start, Math.Min(maxCount, log.Events.Count - start)));
        }
    }

    private Log GetOrCreate(StreamId streamId)
    {
        if (_logs.TryGetValue(streamId, out var log)) return log;
        var epoch = Math.Max(time.GetUtcNow().ToUnixTimeMilliseconds(), _lastEpoch + 1);
        _lastEpoch = epoch;
        log = new Log(epoch);
        _logs[streamId] = log;
        return log;
    }

    private sealed class Log(long epoch)
    {
        public long Epoch { get; } = epoch;

        public long Last { get; set; }

        public List<StreamEvent> Events { get; } = [];

        public EventLogPosition Position => new(Epoch, Events.Count > 0 ? Events[0].Position.Sequence : Last + 1, Last);
    }
}
