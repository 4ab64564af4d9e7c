using System.Collections.Concurrent;
using GrainStream.Runtime.Configuration;
using GrainStream.Runtime.Messaging;
using GrainStream.Runtime.Transport;
using Microsoft.Extensions.Logging;

namespace GrainStream.Runtime.Membership;

/// <summary>A silo's membership duties: join the table, keep a heartbeat, keep a current
/// <see cref="ClusterView"/>, probe peers and declare dead those that stop answering, and stop the
/// silo when the table says it is dead.</summary>
internal sealed class MembershipAgent : IAsyncDisposable
{
    private readonly IMembershipTable _table;
    private readonly ClusterMembershipOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<SiloAddress, ProbeState> _probes = new();
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly List<ITimer> _timers = [];
    private ConnectionManager? _connections;
    private long _nextProbeId;
    private volatile bool _stopped;

    public MembershipAgent(SiloAddress self, string siloName, IMembershipTable table, ClusterMembershipOptions options, TimeProvider time, ILogger logger)
    {
        Self = self;
        SiloName = siloName;
        _table = table;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public SiloAddress Self { get; }

    public string SiloName { get; }

    public ClusterView View { get; private set; } = ClusterView.Empty;

    /// <summary>Raised with the new view and the silos that died since the previous one.</summary>
    public event Action<ClusterView, IReadOnlyCollection<SiloAddress>>? ViewChanged;

    /// <summary>Raised once when this silo finds itself declared dead.</summary>
    public event Action? DeclaredDead;

    public async Task JoinAsync(ConnectionManager connections, CancellationToken cancellationToken)
    {
        _connections = connections;
        var now = _time.GetUtcNow();
        var entry = new MembershipEntry(Self, SiloStatus.Joining, SiloName, now, now);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var snapshot = await _table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
            if (await _table.InsertRowAsync(entry, snapshot.Version, cancellationToken).ConfigureAwait(false)) break;
        }
        await SetStatusAsync(SiloStatus.Active, cancellationToken).ConfigureAwait(false);
        await RefreshAsync().ConfigureAwait(false);
        _timers.Add(_time.CreateTimer(_ => _ = HeartbeatAsync(), null, _options.IAmAliveInterval, _options.IAmAliveInterval));
        _timers.Add(_time.CreateTimer(_ => _ = RefreshAsync(), null, _options.TableRefreshInterval, _options.TableRefreshInterval));
        _timers.Add(_time.CreateTimer(_ => Probe(), null, _options.ProbeInterval, _options.ProbeInterval));
    }

    /// <summary>Writes this silo's status with compare-and-swap, retrying on conflicts.</summary>
    public async Task SetStatusAsync(SiloStatus status, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var snapshot = await _table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
            var row = snapshot.Rows.FirstOrDefault(r => r.Entry.Silo.Equals(Self));
            if (row is null || row.Entry.Status == SiloStatus.Dead) return;
            var updated = row.Entry with { Status = status, IAmAliveTime = _time.GetUtcNow() };
            if (await _table.UpdateRowAsync(updated, row.ETag, snapshot.Version, cancellationToken).ConfigureAwait(false))
            {
                // A silo that records its own departure is not "declared dead": it stops reading the table.
                if (status == SiloStatus.Dead) _stopped = true;
                else await RefreshAsync().ConfigureAwait(false);
                return;
            }
        }
        throw new InvalidOperationException($"Could not set the status of {Self} to {status}: the membership table kept changing.");
    }

    /// <summary>Declares <paramref name="silo"/> dead in the table (compare-and-swap).</summary>
    public async Task DeclareDeadAsync(SiloAddress silo, string why)
    {
        for (var attempt = 0; attempt < 20 && !_stopped; attempt++)
        {
            var snapshot = await _table.ReadAllAsync().ConfigureAwait(false);
            var row = snapshot.Rows.FirstOrDefault(r => r.Entry.Silo.Equals(silo));
            if (row is null || row.Entry.Status == SiloStatus.Dead) break;
            if (await _table.UpdateRowAsync(row.Entry with { Status = SiloStatus.Dead }, row.ETag, snapshot.Version).ConfigureAwait(false))
            {
                _logger.LogWarning("Declared silo {Silo} dead: {Why}", silo, why);
                break;
            }
        }
        await RefreshAsync().ConfigureAwait(false);
    }

    private async Task HeartbeatAsync()
    {
        if (_stopped) return;
        try
        {
            await _table.UpdateIAmAliveAsync(Self, _time.GetUtcNow()).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _logger.LogWarning(exception, "Writing the heartbeat of {Silo} failed", Self);
        }
    }

    /// <summary>Reads the table and publishes a new view when it changed.</summary>
    public async Task RefreshAsync()
    {
        if (_stopped) return;
        await _refreshGate.WaitAsync().ConfigureAwait(false);
        try
        {
            var snapshot = await _table.ReadAllAsync().ConfigureAwait(false);
            var own = snapshot.Rows.FirstOrDefault(r => r.Entry.Silo.Equals(Self));
            if (own?.Entry.Status == SiloStatus.Dead)
            {
                if (!_stopped)
                {
                    _logger.LogError("Silo {Silo} was declared dead by the cluster; stopping", Self);
                    _stopped = true;
                    DeclaredDead?.Invoke();
                }
                return;
            }

            var now = _time.GetUtcNow();
            foreach (var row in snapshot.Rows)
            {
                if (row.Entry.Status == SiloStatus.Active && !row.Entry.Silo.Equals(Self) && now - row.Entry.IAmAliveTime > _options.DeathTimeout)
                {
                    _ = DeclareDeadAsync(row.Entry.Silo, $"no heartbeat since {row.Entry.IAmAliveTime:O}");
                }
            }

            var view = ClusterView.From(snapshot);
            var previous = View;
            if (view.Version == previous.Version) return;
            View = view;
            var died = view.DeadSilos.Where(s => !previous.DeadSilos.Contains(s)).ToArray();
            foreach (var silo in previous.ActiveSilos)
            {
                if (!view.IsActive(silo)) _probes.TryRemove(silo, out _);
            }
            ViewChanged?.Invoke(view, died);
        }
        catch (Exception exception)
        {
            _logger.LogWarning(exception, "Reading the membership table failed");
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    private void Probe()
    {
        if (_stopped || _connections is null) return;
        foreach (var silo in View.ActiveSilos)
        {
            if (silo.Equals(Self)) continue;
            var state = _probes.GetOrAdd(silo, _ => new ProbeState());
            if (state.Outstanding != 0)
            {
                var waited = _time.GetElapsedTime(state.SentAt);
                if (waited < _options.ProbeTimeout) continue;
                state.Outstanding = 0;
                if (++state.Missed >= _options.MissedProbesLimit)
                {
                    state.Missed = 0;
                    _ = DeclareDeadAsync(silo, $"{_options.MissedProbesLimit} probes unanswered");
                    continue;
                }
            }
            var id = Interlocked.Increment(ref _nextProbeId);
            state.Outstanding = id;
            state.SentAt = _time.GetTimestamp();
            if (!_connections.Send(silo, MessageCodec.EncodePing(FrameKind.Ping, id)))
            {
                state.Outstanding = 0;
                state.Missed++;
            }
        }
    }

    /// <summary>A connection to a peer closed: count it as a missed probe, so a crashed peer is found quickly.</summary>
    public void OnConnectionLost(SiloAddress silo)
    {
        if (_stopped || !View.IsActive(silo)) return;
        var state = _probes.GetOrAdd(silo, _ => new ProbeState());
        state.Outstanding = 0;
        if (++state.Missed >= _options.MissedProbesLimit)
        {
            state.Missed = 0;
            _ = DeclareDeadAsync(silo, "connection lost and not re-established");
        }
    }

    public void OnPong(SiloAddress? silo, long id)
    {
        if (silo is not null && _probes.TryGetValue(silo, out var state) && state.Outstanding == id)
        {
            state.Outstanding = 0;
            state.Missed = 0;
        }
    }

    /// <summary>Stops timers (graceful or killed).</summary>
    public ValueTask DisposeAsync()
    {
        _stopped = true;
        foreach (var timer in _timers) timer.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class ProbeState
    {
        public long Outstanding;
        public long SentAt;
        public int Missed;
    }
}
