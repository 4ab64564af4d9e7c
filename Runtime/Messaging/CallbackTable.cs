namespace GrainStream.Runtime.Messaging;

/// <summary>Calls awaiting their responses. One timer sweeps for timeouts, instead of a timer per
/// call. Ids are sequential, so spreading them over a few locked dictionaries keeps concurrent
/// callers apart, and a dictionary reuses its entries: a call costs no allocation here.</summary>
internal sealed class CallbackTable : IDisposable
{
    private const int ShardCount = 16; // power of two

    private readonly Shard[] _shards;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly long _timeoutTicks;
    private readonly ITimer _sweeper;
    private long _nextId;

    public CallbackTable(TimeProvider time, TimeSpan timeout)
    {
        _time = time;
        _timeout = timeout;
        _timeoutTicks = (long)(timeout.TotalSeconds * time.TimestampFrequency);
        _shards = new Shard[ShardCount];
        for (var i = 0; i < _shards.Length; i++) _shards[i] = new Shard();
        var period = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 10, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(1).Ticks));
        _sweeper = time.CreateTimer(_ => Sweep(), null, period, period);
    }

    public int Count
    {
        get
        {
            var count = 0;
            foreach (var shard in _shards)
            {
                lock (shard.Lock) count += shard.Calls.Count;
            }
            return count;
        }
    }

    public TimeSpan Timeout => _timeout;

    public long NextId() => Interlocked.Increment(ref _nextId);

    public long NewDeadline() => _time.GetTimestamp() + _timeoutTicks;

    public void Add(IResponseCallback callback)
    {
        var shard = ShardOf(callback.Id);
        lock (shard.Lock) shard.Calls[callback.Id] = callback;
    }

    public bool Remove(long id)
    {
        var shard = ShardOf(id);
        lock (shard.Lock) return shard.Calls.Remove(id);
    }

    public bool TryGet(long id, out IResponseCallback callback)
    {
        var shard = ShardOf(id);
        lock (shard.Lock) return shard.Calls.TryGetValue(id, out callback!);
    }

    /// <summary>Fails every call whose target silo is <paramref name="silo"/>: it is gone.</summary>
    public void FailCallsTo(SiloAddress silo, string why)
    {
        foreach (var callback in Select(c => Equals(c.TargetSilo, silo)))
        {
            callback.Fail(new SiloUnavailableException($"{callback.Describe()} failed: silo {silo} {why}."));
        }
    }

    /// <summary>Fails every pending call (shutdown).</summary>
    public void FailAll(string why)
    {
        foreach (var callback in Select(_ => true)) callback.Fail(new SiloUnavailableException($"{callback.Describe()} failed: {why}."));
    }

    public void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var callback in Select(c => now >= c.Deadline))
        {
            callback.Fail(new TimeoutException($"Call to {callback.Describe()} timed out after {_timeout.TotalSeconds:0.###} s."));
        }
    }

    // Failing a call removes it from its shard, so the matches are collected first.
    private List<IResponseCallback> Select(Func<IResponseCallback, bool> predicate)
    {
        List<IResponseCallback>? matches = null;
        foreach (var shard in _shards)
        {
            lock (shard.Lock)
            {
                foreach (var callback in shard.Calls.Values)
                {
                    if (predicate(callback)) (matches ??= []).Add(callback);
                }
            }
        }
        return matches ?? [];
    }

    private Shard ShardOf(long id) => _shards[(int)id & (ShardCount - 1)];

    public void Dispose() => _sweeper.Dispose();

    private sealed class Shard
    {
        public readonly Lock Lock = new();
        public readonly Dictionary<long, IResponseCallback> Calls = [];
    }
}
