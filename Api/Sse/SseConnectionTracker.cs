using System.Buffers;
using Microsoft.Extensions.Options;

namespace GrainStream.Api.Sse;

/// <summary>The node's open event streams: one shared timer sends every connection its heartbeat
/// (no timer or delay per connection: 10,000 idle connections cost one timer), and application
/// shutdown ends every stream cleanly so that the host stops promptly.</summary>
internal sealed class SseConnectionTracker : IDisposable
{
    private readonly HashSet<SseConnection> _connections = [];
    private readonly Lock _gate = new();
    private readonly ITimer _heartbeat;
    private readonly CancellationTokenRegistration _stopping;
    private bool _stopped;

    public SseConnectionTracker(IOptions<SseOptions> options, TimeProvider time, IHostApplicationLifetime lifetime)
    {
        var interval = options.Value.HeartbeatInterval;
        if (interval <= TimeSpan.Zero) interval = TimeSpan.FromSeconds(15);
        _heartbeat = time.CreateTimer(static state => ((SseConnectionTracker)state!).Beat(), this, interval, interval);
        _stopping = lifetime.ApplicationStopping.Register(static state => ((SseConnectionTracker)state!).StopAll(), this);
    }

    /// <summary>Open connections (tests, diagnostics).</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _connections.Count;
        }
    }

    /// <summary>Tracks a connection; false (and the connection is stopped) once the application stops.</summary>
    public bool Add(SseConnection connection)
    {
        lock (_gate)
        {
            if (!_stopped)
            {
                _connections.Add(connection);
                return true;
            }
        }
        connection.Stop();
        return false;
    }

    public void Remove(SseConnection connection)
    {
        lock (_gate) _connections.Remove(connection);
    }

    private void Beat()
    {
        var wakes = new SseWakeBatch();
        ForEach(c => wakes.Offer(c, SseFrame.Heartbeat));
        wakes.Dispatch();
    }

    private void StopAll()
    {
        lock (_gate) _stopped = true;
        ForEach(static c => c.Stop());
    }

    private void ForEach(Action<SseConnection> action)
    {
        SseConnection[] snapshot;
        int count;
        lock (_gate)
        {
            count = _connections.Count;
            snapshot = ArrayPool<SseConnection>.Shared.Rent(Math.Max(1, count));
            _connections.CopyTo(snapshot);
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
