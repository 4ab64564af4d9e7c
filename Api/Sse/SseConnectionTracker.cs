using System.Buffers;
using GrainStream.Api.Diagnostics;
using GrainStream.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GrainStream.Api.Sse;

/// <summary>The node's open event streams: one shared timer sends every connection its heartbeat
/// (no timer or delay per connection: 10,000 idle connections cost one timer), and application
/// shutdown ends every stream cleanly so that the host stops promptly.</summary>
/// <remarks>Connections are dealt round-robin into <see cref="Slots"/> groups and the timer beats one
/// group per tick, a <see cref="Slots"/>th of the interval apart: each connection still gets its
/// heartbeat once per interval, but 10,000 connections cost 16 small bursts of writes per interval
/// instead of one large one that would hold up the events queued behind it.</remarks>
internal sealed class SseConnectionTracker : IDisposable
{
    /// <summary>Groups the heartbeats of one interval are spread over.</summary>
    public const int Slots = 16;

    private readonly HashSet<SseConnection>[] _slots = [.. Enumerable.Range(0, Slots).Select(_ => new HashSet<SseConnection>())];
    private readonly Lock _gate = new();
    private readonly ITimer _heartbeat;
    private readonly CancellationTokenRegistration _stopping;
    private readonly bool _batchSends;
    private readonly GrainStreamMetrics _metrics;
    private int _nextSlot;
    private int _beatSlot;
    private bool _stopped;
    private readonly int _retryMilliseconds;
    private readonly int _spreadMilliseconds;

    /// <summary>True once the node drains (the application is stopping): no stream may start.</summary>
    public bool IsDraining
    {
        get
        {
            lock (_gate) return _stopped;
        }
    }

    public SseConnectionTracker(IOptions<SseOptions> options, [FromKeyedServices(PlatformClock.Key)] TimeProvider time, IHostApplicationLifetime lifetime, GrainStreamMetrics metrics)
    {
        _metrics = metrics;
        metrics.ObserveQueuedFrames(QueuedFrames);
        var interval = options.Value.HeartbeatInterval;
        _batchSends = options.Value.BatchedSocketSends;
        _retryMilliseconds = options.Value.RetryMilliseconds;
        _spreadMilliseconds = (int)Math.Clamp(options.Value.DrainReconnectSpread.TotalMilliseconds, 0, int.MaxValue - _retryMilliseconds);
        if (interval <= TimeSpan.Zero) interval = TimeSpan.FromSeconds(15);
        var tick = interval / Slots;
        _heartbeat = time.CreateTimer(static state => ((SseConnectionTracker)state!).Beat(), this, tick, tick);
        _stopping = lifetime.ApplicationStopping.Register(static state => ((SseConnectionTracker)state!).Drain(), this);
    }

    /// <summary>Open connections (tests, diagnostics).</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _slots.Sum(slot => slot.Count);
        }
    }

    /// <summary>Tracks a connection; false (and the connection is drained) once the application stops.</summary>
    public bool Add(SseConnection connection)
    {
        lock (_gate)
        {
            if (!_stopped)
            {
                connection.HeartbeatSlot = _nextSlot;
                _slots[_nextSlot].Add(connection);
                _nextSlot = (_nextSlot + 1) % Slots;
                _metrics.ConnectionOpened();
                return true;
            }
        }
        connection.Drain(DrainRetry());
        return false;
    }

    /// <summary>Forgets a connection that ended (counted as cut off when its queue overflowed).</summary>
    public void Remove(SseConnection connection)
    {
        bool removed;
        lock (_gate)
        {
            removed = _slots[connection.HeartbeatSlot].Remove(connection);
        }
        if (removed) _metrics.ConnectionClosed(connection.WasCutOff);
    }

    // Read when metrics are collected, not kept up to date on the hot path.
    private long QueuedFrames()
    {
        long queued = 0;
        for (var slot = 0; slot < Slots; slot++) ForEach(slot, c => queued += c.QueuedFrames);
        return queued;
    }

    private void Beat()
    {
        int slot;
        lock (_gate)
        {
            slot = _beatSlot;
            _beatSlot = (_beatSlot + 1) % Slots;
        }
        var wakes = new SseWakeBatch(_batchSends);
        ForEach(slot, c => wakes.Offer(c, SseFrame.Heartbeat));
        wakes.Dispatch();
    }

    /// <summary>Starts draining (at application stop): every open stream ends with its own retry,
    /// spread over <see cref="SseOptions.DrainReconnectSpread"/>, so the clients of a node that
    /// restarts come back over that time, not in one storm; no stream starts any more.</summary>
    internal void Drain()
    {
        lock (_gate) _stopped = true;
        for (var slot = 0; slot < Slots; slot++) ForEach(slot, c => c.Drain(DrainRetry()));
    }

    private int DrainRetry() => _retryMilliseconds + Random.Shared.Next(0, _spreadMilliseconds + 1);

    private void ForEach(int slot, Action<SseConnection> action)
    {
        SseConnection[] snapshot;
        int count;
        lock (_gate)
        {
            var connections = _slots[slot];
            count = connections.Count;
            snapshot = ArrayPool<SseConnection>.Shared.Rent(Math.Max(1, count));
            connections.CopyTo(snapshot);
        }
        try
        {
            for (var i = 0; i < count; i++) action(snapshot[i]);
        }
        finally
        {
            ArrayPool<SseConnection>.Shared.Return(snapshot, clearArray: true);
        }
    }

    public void Dispose()
    {
        _heartbeat.Dispose();
        _stopping.Dispose();
    }
}
