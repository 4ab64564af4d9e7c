using System.Collections.Concurrent;

namespace GrainStream.Runtime.Messaging;

/// <summary>Calls awaiting their responses. One timer sweeps for timeouts, instead of a timer per
/// call, so a call costs one dictionary insert and remove.</summary>
internal sealed class CallbackTable : IDisposable
{
    private readonly ConcurrentDictionary<long, IResponseCallback> _pending = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly ITimer _sweeper;
    private long _nextId;

    public CallbackTable(TimeProvider time, TimeSpan timeout)
    {
        _time = time;
        _timeout = timeout;
        var period = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 10, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(1).Ticks));
        _sweeper = time.CreateTimer(_ => Sweep(), null, period, period);
    }

    public int Count => _pending.Count;

    public TimeSpan Timeout => _timeout;

    public long NextId() => Interlocked.Increment(ref _nextId);

    public long NewDeadline() => _time.GetTimestamp() + (long)(_timeout.TotalSeconds * _time.TimestampFrequency);

    public void Add(IResponseCallback callback) => _pending[callback.Id] = callback;

    public bool Remove(long id) => _pending.TryRemove(id, out _);

    public bool TryGet(long id, out IResponseCallback callback) => _pending.TryGetValue(id, out callback!);

    /// <summary>Fails every call whose target silo is <paramref name="silo"/>: it is gone.</summary>
    public void FailCallsTo(SiloAddress silo, string why)
    {
        foreach (var (_, callback) in _pending)
        {
            if (Equals(callback.TargetSilo, silo))
            {
                callback.Fail(new SiloUnavailableException($"{callback.Describe()} failed: silo {silo} {why}."));
            }
        }
    }

    /// <summary>Fails every pending call (shutdown).</summary>
    public void FailAll(string why)
    {
        foreach (var (_, callback) in _pending) callback.Fail(new SiloUnavailableException($"{callback.Describe()} failed: {why}."));
    }

    public void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var (_, callback) in _pending)
        {
            if (now >= callback.Deadline)
            {
                callback.Fail(new TimeoutException($"Call to {callback.Describe()} timed out after {_timeout.TotalSeconds:0.###} s."));
            }
        }
    }

    public void Dispose() => _sweeper.Dispose();
}
