using GrainStream.Api.Sse;
using GrainStream.Grains;
using GrainStream.Grains.Chat;
using GrainStream.Grains.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans;

namespace GrainStream.Api.Presence;

/// <summary>What a registration stands for.</summary>
internal enum PresenceKind
{
    /// <summary>A user with an open event stream to a chat room.</summary>
    ChatUser,
    /// <summary>A consumer with an open event stream to a message queue.</summary>
    QueueConsumer,
}

/// <summary>Counts this node's open event streams per (room, user) and (queue, consumer) and reports
/// the node's complete set to the grain whenever it changes (<see cref="IChatRoomGrain.ReportPresence"/>,
/// <see cref="IMessageQueueGrain.ReportConsumers"/>), under a lease that one shared timer renews every
/// third of <see cref="SseOptions.PresenceLease"/>. Reporting the full set (not deltas) makes every
/// report idempotent, so a lost or repeated report heals at the next one, and a node that dies simply
/// stops renewing: the grain drops its set when the lease runs out, leaving no ghosts.</summary>
internal sealed class ConnectionRegistry : IHostedService, IDisposable
{
    private readonly Dictionary<(PresenceKind Kind, string Entity), Group> _groups = [];
    private readonly Lock _gate = new();
    private readonly IClusterClient _cluster;
    private readonly ILogger _logger;
    private readonly TimeSpan _lease;
    private readonly ITimer _renewal;
    private bool _stopped;

    public ConnectionRegistry(IClusterClient cluster, IOptions<SseOptions> options, [FromKeyedServices(PlatformClock.Key)] TimeProvider time, ILogger<ConnectionRegistry> logger)
    {
        _cluster = cluster;
        _logger = logger;
        _lease = options.Value.PresenceLease > TimeSpan.Zero ? options.Value.PresenceLease : TimeSpan.FromSeconds(30);
        var period = _lease / 3;
        _renewal = time.CreateTimer(static state => ((ConnectionRegistry)state!).RenewAll(), this, period, period);
    }

    /// <summary>This node's identity in presence reports: one per process (per app instance).</summary>
    public string NodeId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>How long a report holds unless renewed.</summary>
    public TimeSpan Lease => _lease;

    /// <summary>True while this node has an open stream registered for <paramref name="member"/> in <paramref name="entity"/>.</summary>
    public bool IsRegistered(PresenceKind kind, string entity, string member)
    {
        lock (_gate) return _groups.TryGetValue((kind, entity), out var group) && group.Members.ContainsKey(member);
    }

    /// <summary>Counts one open stream of <paramref name="member"/> in <paramref name="entity"/> until disposed.</summary>
    public IDisposable Register(PresenceKind kind, string entity, string member)
    {
        Group? group;
        bool first;
        lock (_gate)
        {
            if (!_groups.TryGetValue((kind, entity), out group)) _groups[(kind, entity)] = group = new Group(kind, entity);
            var count = group.Members.GetValueOrDefault(member);
            group.Members[member] = count + 1;
            first = count == 0;
        }
        if (first) Schedule(group);
        return new Registration(this, group, member);
    }

    private void Unregister(Group group, string member)
    {
        bool last;
        lock (_gate)
        {
            var count = group.Members.GetValueOrDefault(member) - 1;
            last = count <= 0;
            if (last) group.Members.Remove(member);
            else group.Members[member] = count;
        }
        if (last) Schedule(group);
    }

    /// <summary>Marks the group changed and starts its report loop unless one runs: reports of one
    /// entity never overlap, so they cannot arrive out of order.</summary>
    private void Schedule(Group group, bool force = false)
    {
        lock (_gate)
        {
            // After stop every set was reported empty; later changes are streams closing.
            if (_stopped && !force) return;
            group.Dirty = true;
            if (group.Running) return;
            group.Running = true;
            group.Loop = Task.Run(() => ReportLoopAsync(group));
        }
    }

    private async Task ReportLoopAsync(Group group)
    {
        while (true)
        {
            string[] members;
            lock (_gate)
            {
                if (!group.Dirty)
                {
                    group.Running = false;
                    // An empty set that was reported is done with: forget it.
                    if (group.Members.Count == 0 && !group.Failed && _groups.TryGetValue((group.Kind, group.Entity), out var current) && ReferenceEquals(current, group))
                    {
                        _groups.Remove((group.Kind, group.Entity));
                    }
                    return;
                }
                group.Dirty = false;
                members = [.. group.Members.Keys];
            }
            try
            {
                await ReportAsync(group.Kind, group.Entity, members).ConfigureAwait(false);
                lock (_gate) group.Failed = false;
            }
            catch (Exception exception)
            {
                // The renewal timer tries again.
                _logger.LogWarning(exception, "Reporting {Kind} of {Entity} failed", group.Kind, group.Entity);
                lock (_gate) group.Failed = true;
            }
        }
    }

    private Task ReportAsync(PresenceKind kind, string entity, IReadOnlyList<string> members) => kind switch
    {
        PresenceKind.ChatUser => _cluster.GetGrain<IChatRoomGrain>(entity).ReportPresence(NodeId, members, _lease),
        _ => _cluster.GetGrain<IMessageQueueGrain>(entity).ReportConsumers(NodeId, members, _lease),
    };

    private void RenewAll()
    {
        Group[] groups;
        lock (_gate) groups = [.. _groups.Values];
        foreach (var group in groups) Schedule(group);
    }

    /// <summary>Completes when every report started so far has reached its grain (or failed).</summary>
    internal Task ReportsInFlight()
    {
        Task[] loops;
        lock (_gate) loops = [.. _groups.Values.Select(g => g.Loop).OfType<Task>()];
        return Task.WhenAll(loops);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The node is going away (its streams are being ended): reports every set empty now,
    /// while the silo still runs, so users and consumers go offline at once rather than a lease later.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _renewal.Dispose();
        Group[] groups;
        lock (_gate)
        {
            _stopped = true;
            groups = [.. _groups.Values];
            foreach (var group in groups) group.Members.Clear();
        }
        foreach (var group in groups) Schedule(group, force: true);
        try
        {
            await ReportsInFlight().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            _logger.LogDebug("Presence reports still running at shutdown");
        }
    }

    public void Dispose() => _renewal.Dispose();

    private sealed class Group(PresenceKind kind, string entity)
    {
        public PresenceKind Kind { get; } = kind;

        public string Entity { get; } = entity;

        public Dictionary<string, int> Members { get; } = new(StringComparer.Ordinal);

        public bool Dirty { get; set; }

        public bool Running { get; set; }

        public bool Failed { get; set; }

        public Task? Loop { get; set; }
    }

    private sealed class Registration(ConnectionRegistry registry, Group group, string member) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) registry.Unregister(group, member);
        }
    }
}
