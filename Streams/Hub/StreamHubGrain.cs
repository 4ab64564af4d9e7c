using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;
using Orleans.Runtime;

namespace GrainStream.Streams;

/// <summary>The hub of one stream. Reentrant so that publishes pipeline into group commits, yet all
/// its code runs on the activation's single thread: the hand-over from replay to live delivery
/// happens between two awaits, where nothing else can run, which is what makes it gap-free.
/// Placed on the silo of its first caller, which is normally the stream's publishing grain, so a
/// publish is a local call. After every <see cref="EventRetention.TrimEvery"/> committed events it
/// trims its log to the stream's retention in the background: publishes never wait for a trim.</summary>
[Reentrant]
[PreferLocalPlacement]
[GrainType("gs-streamhub")]
internal sealed class StreamHubGrain(IServiceProvider services, IOptionsMonitor<EventStreamOptions> optionsMonitor, TimeProvider time, StreamHubMetrics metrics, ILogger<StreamHubGrain> logger)
    : Grain, IStreamHubGrain
{
    private readonly Dictionary<Guid, Subscriber> _subscribers = [];
    private readonly List<Pending> _pending = [];
    private readonly List<Pending> _batch = [];
    // Live subscribers grouped by endpoint, rebuilt only when subscriptions change.
    private (IStreamDeliveryObserver Endpoint, Guid[] Ids)[]? _liveGroups;
    private EventStreamOptions _options = null!;
    private EventRetention _retention = null!;
    private IEventLog _log = null!;
    private SequenceRing<StreamEvent> _cache = null!;
    private IGrainTimer? _leaseTimer;
    private StreamDeliveryEndpoint? _localEndpoint;
    private string _hubKey = "";
    private StreamId _streamId;
    private long _epoch;
    private long _assigned;
    private long _committed;
    private bool _flushing;
    private long _committedSinceTrim;
    private bool _trimming;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _hubKey = this.GetPrimaryKeyString();
        var (provider, streamId) = StreamHubKey.Parse(_hubKey);
        _streamId = streamId;
        _options = optionsMonitor.Get(provider);
        _retention = _options.Retention.For(streamId);
        _log = services.GetKeyedService<IEventLog>(provider)
            ?? throw new InvalidOperationException($"Stream provider '{provider}' has no event log on this silo; register one (e.g. UseSqlite(streamProviderName: \"{provider}\")).");
        _cache = new SequenceRing<StreamEvent>(_options.CacheSize);
        _localEndpoint = (services.GetKeyedService<Orleans.Streams.IStreamProvider>(provider) as GrainStreamProvider)?.Endpoint;
        var position = await _log.OpenAsync(_streamId, cancellationToken);
        _epoch = position.Epoch;
        _assigned = _committed = position.LastSequence;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Subscribers re-subscribe at once (to the next activation) rather than at their next renewal.
        foreach (var (endpoint, ids) in Groups(all: true)) Send(endpoint, new StreamDelivery(_hubKey, ids, null, [], HubLeaving: true));
        return Task.CompletedTask;
    }

    public Task<EventPosition> Publish(StreamPublication publication)
    {
        ArgumentException.ThrowIfNullOrEmpty(publication.EventName);
        if (Conflict(publication, 0) is { } conflict) return Task.FromException<EventPosition>(conflict);
        var pending = new Pending(NextEvent(publication), completes: true);
        _pending.Add(pending);
        if (!_flushing) _ = FlushAsync();
        return pending.Completion!.Task;
    }

    public Task<EventPosition> PublishMany(StreamPublication[] publications)
    {
        ArgumentNullException.ThrowIfNull(publications);
        if (publications.Length == 0) return Task.FromResult(new EventPosition(_epoch, _committed));
        for (var i = 0; i < publications.Length; i++)
        {
            ArgumentException.ThrowIfNullOrEmpty(publications[i]?.EventName, $"publications[{i}].EventName");
            if (Conflict(publications[i], i) is { } conflict) return Task.FromException<EventPosition>(conflict);
        }
        // Only the last event carries a completion: commits are in order and a failure fails
        // everything not yet committed, so it stands for the whole block.
        _pending.EnsureCapacity(_pending.Count + publications.Length);
        for (var i = 0; i < publications.Length; i++) _pending.Add(new Pending(NextEvent(publications[i]), completes: i == publications.Length - 1));
        if (!_flushing) _ = FlushAsync();
        return _pending[^1].Completion!.Task;
    }

    /// <summary>The refusal of a publication meant to take a position other than the one it would
    /// get as the <paramref name="offset"/>-th of a block (0 for a single publish), or null.</summary>
    private StreamPositionConflictException? Conflict(StreamPublication publication, int offset)
    {
        if (publication.Expected is not { } expected) return null;
        var next = _assigned + 1 + offset;
        if (expected.Sequence == next && (expected.Epoch == 0 || expected.Epoch == _epoch)) return null;
        return new StreamPositionConflictException(
            $"Stream {_streamId} cannot take an event at {expected}: its next position is {_epoch}-{next}.", expected, new EventPosition(_epoch, next - 1));
    }

    private StreamEvent NextEvent(StreamPublication publication)
        => new(_streamId, new EventPosition(_epoch, ++_assigned), publication.EventName, time.GetUtcNow(), publication.Payload);

    /// <summary>Commits queued events in groups, then delivers each group to the live subscribers.</summary>
    private async Task FlushAsync()
    {
        _flushing = true;
        try
        {
            // Let the publishes already in the mailbox join this group: under load one commit and
            // one delivery then carry many events.
            await Task.Yield();
            var batch = _batch;
            while (_pending.Count > 0)
            {
                var count = Math.Min(_pending.Count, Math.Max(1, _options.MaxCommitBatch));
                batch.Clear();
                batch.AddRange(_pending.Count == count ? _pending : _pending.GetRange(0, count));
                _pending.RemoveRange(0, count);
                var events = new StreamEvent[count];
                for (var i = 0; i < count; i++) events[i] = batch[i].Event;
                var appendStarted = System.Diagnostics.Stopwatch.GetTimestamp();
                try
                {
                    await _log.AppendAsync(_streamId, events);
                }
                catch (Exception exception)
                {
                    // Nothing after the last commit is durable: fail it all and number anew from there.
                    logger.LogWarning(exception, "Appending to stream {StreamId} failed", _streamId);
                    foreach (var failed in batch.Concat(_pending)) failed.Completion?.TrySetException(exception);
                    _pending.Clear();
                    _assigned = _committed;
                    _cache.Clear();
                    if (exception is EventLogConflictException)
                    {
                        // Another activation wrote to this log (a zombie of a dead silo, or a split):
                        // this one's view is stale, so it leaves and the next call re-reads the log.
                        DeactivateOnIdle();
                    }
                    return;
                }
                metrics.Committed(count, appendStarted);
                foreach (var e in events) _cache.Add(e.Position.Sequence, e);
                _committed = events[^1].Position.Sequence;
                DeliverLive(events);
                foreach (var done in batch) done.Completion?.TrySetResult(done.Event.Position);
                if ((_committedSinceTrim += count) >= _retention.TrimEvery && !_trimming) _ = TrimAsync();
            }
        }
        finally
        {
            _batch.Clear();
            _flushing = false;
        }
    }

    /// <summary>Trims the log to the stream's retention; runs beside publishes (the hub is
    /// reentrant), one trim at a time. A failed trim is retried after the next batch of events.</summary>
    private async Task TrimAsync()
    {
        _trimming = true;
        _committedSinceTrim = 0;
        try
        {
            await _log.TrimAsync(_streamId, _retention, time.GetUtcNow(), Math.Max(1, _options.Retention.TrimBatchSize));
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Trimming the log of stream {StreamId} failed; it is tried again later", _streamId);
        }
        finally
        {
            _trimming = false;
        }
    }

    private void DeliverLive(StreamEvent[] events)
    {
        if (_subscribers.Count == 0) return;
        _liveGroups ??= Groups(all: false);
        foreach (var (endpoint, ids) in _liveGroups) Send(endpoint, new StreamDelivery(_hubKey, ids, null, events));
    }

    /// <summary>Sends a delivery with a one-way call; to this silo's own endpoint (an embedded API's
    /// relays, a local grain's subscriptions) it is handed over directly, which costs an enqueue
    /// instead of a message through Orleans' messaging, and keeps the order it was sent in.</summary>
    private void Send(IStreamDeliveryObserver endpoint, StreamDelivery delivery)
    {
        if (_localEndpoint is { } local && local.IsReferencedBy(endpoint)) local.Deliver(delivery);
        else endpoint.Deliver(delivery).Ignore();
    }

    private (IStreamDeliveryObserver Endpoint, Guid[] Ids)[] Groups(bool all)
        => [.. _subscribers.Values.Where(s => all || s.Live).GroupBy(s => s.Info.Endpoint).Select(g => (g.Key, g.Select(s => s.Info.SubscriptionId).ToArray()))];

    public async Task<EventPosition> Subscribe(StreamSubscriberInfo subscriber, EventPosition? after)
    {
        var id = subscriber.SubscriptionId;
        var entry = new Subscriber(subscriber, time.GetUtcNow());
        _subscribers[id] = entry;
        SubscribersChanged();

        // A position the history cannot continue from is signalled with the first delivery (one
        // message, so the signal can never arrive after the events it explains).
        long next;
        StreamHistoryTruncated? signal = null;
        if (after is not { } requested)
        {
            next = _committed + 1;
        }
        else if (requested.Epoch != 0 && requested.Epoch != _epoch && requested.Sequence == 0)
        {
            // Nothing of the other incarnation was seen (a stream without a log gets a new epoch on
            // every activation until its first event): everything from 1 is new, nothing was missed.
            next = 1;
        }
        else if (requested.Epoch != 0 && requested.Epoch != _epoch)
        {
            next = 1;
            signal = new StreamHistoryTruncated(_streamId, requested, new EventPosition(_epoch, 1), StreamHistoryTruncationReason.EpochChanged);
        }
        else if (requested.Sequence > _committed)
        {
            next = _committed + 1;
            signal = new StreamHistoryTruncated(_streamId, requested, new EventPosition(_epoch, _committed + 1), StreamHistoryTruncationReason.AheadOfStream);
        }
        else
        {
            next = requested.Sequence + 1;
        }

        // Replay until caught up with what is committed; the check and the switch to live happen
        // with no await between them, so the next group commit reaches this subscriber live.
        var first = true;
        while (next <= _committed)
        {
            var events = _cache.TryGetFrom(next, _options.ReplayBatchSize)
                ?? [.. await _log.ReadAsync(_streamId, next - 1, _options.ReplayBatchSize)];
            if (!_subscribers.ContainsKey(id)) return new EventPosition(_epoch, _committed);
            if (first && signal is null && (events.Count == 0 || events[0].Position.Sequence > next))
            {
                // Trimmed past the position (or, with nothing left, past everything committed).
                var oldest = events.Count > 0 ? events[0].Position : new EventPosition(_epoch, _committed + 1);
                signal = new StreamHistoryTruncated(_streamId, after ?? default, oldest, StreamHistoryTruncationReason.OlderThanHistory);
            }
            if (events.Count == 0) break;
            Send(subscriber.Endpoint, new StreamDelivery(_hubKey, [id], first ? signal : null, events));
            first = false;
            next = events[^1].Position.Sequence + 1;
        }
        if (first && signal is not null) Send(subscriber.Endpoint, new StreamDelivery(_hubKey, [id], signal, []));
        entry.Live = true;
        _liveGroups = null;
        return new EventPosition(_epoch, _committed);
    }

    public Task<Guid[]> Renew(IStreamDeliveryObserver endpoint, Guid[] subscriptionIds)
    {
        var now = time.GetUtcNow();
        List<Guid>? unknown = null;
        foreach (var id in subscriptionIds)
        {
            if (_subscribers.TryGetValue(id, out var subscriber)) subscriber.RenewedAt = now;
            else (unknown ??= []).Add(id);
        }
        return Task.FromResult(unknown?.ToArray() ?? []);
    }

    public Task Unsubscribe(Guid subscriptionId)
    {
        if (_subscribers.Remove(subscriptionId)) SubscribersChanged();
        return Task.CompletedTask;
    }

    public async Task<bool> Delete()
    {
        // Publishes still waiting for their commit fail rather than recreate the stream after the
        // delete; one being committed now is ordered before the delete by the log's own writer lock.
        var failure = new StreamDeletedException($"Stream {_streamId} was deleted.");
        foreach (var pending in _pending) pending.Completion?.TrySetException(failure);
        _pending.Clear();
        _assigned = _committed;
        var deleted = await _log.DeleteAsync(_streamId);
        _cache.Clear();
        // The next activation opens the stream anew, with a new epoch; the subscribers move to it
        // (OnDeactivateAsync tells them) and learn from the epoch that the history is gone.
        DeactivateOnIdle();
        return deleted;
    }

    public Task<EventPosition> GetLastPosition() => Task.FromResult(new EventPosition(_epoch, _committed));

    public Task<int> GetSubscriberCount() => Task.FromResult(_subscribers.Count);

    public async Task<StreamHistoryPage> ReadHistory(long afterSequence, int maxCount)
    {
        maxCount = Math.Clamp(maxCount, 1, 10_000);
        var committed = _committed;
        var events = _cache.TryGetFrom(afterSequence + 1, maxCount) is { } cached && (cached.Count > 0 || afterSequence >= committed)
            ? cached
            : [.. await _log.ReadAsync(_streamId, afterSequence, maxCount)];
        // Never hand out events that are appended but not yet committed and delivered.
        if (events.Count > 0 && events[^1].Position.Sequence > committed) events = [.. events.Where(e => e.Position.Sequence <= committed)];
        var position = await _log.OpenAsync(_streamId);
        return new StreamHistoryPage(_epoch, Math.Min(position.FirstSequence, committed + 1), committed, events);
    }

    /// <summary>Subscriptions changed: regroup the live ones and keep the lease sweep running while there are any.</summary>
    private void SubscribersChanged()
    {
        _liveGroups = null;
        if (_subscribers.Count == 0)
        {
            _leaseTimer?.Dispose();
            _leaseTimer = null;
        }
        else
        {
            _leaseTimer ??= this.RegisterGrainTimer(ExpireLeases, new GrainTimerCreationOptions(_options.SubscriptionLease, _options.SubscriptionLease) { Interleave = true });
        }
    }

    /// <summary>Drops subscriptions whose process stopped renewing them (it died or lost the cluster).</summary>
    private Task ExpireLeases()
    {
        var expiredBefore = time.GetUtcNow() - _options.SubscriptionLease;
        var expired = _subscribers.Where(s => s.Value.RenewedAt < expiredBefore).Select(s => s.Key).ToList();
        foreach (var id in expired) _subscribers.Remove(id);
        if (expired.Count > 0)
        {
            logger.LogInformation("Stream {StreamId} dropped {Count} subscriptions that were not renewed", _streamId, expired.Count);
            SubscribersChanged();
        }
        return Task.CompletedTask;
    }

    private sealed class Subscriber(StreamSubscriberInfo info, DateTimeOffset renewedAt)
    {
        public StreamSubscriberInfo Info { get; } = info;

        public DateTimeOffset RenewedAt { get; set; } = renewedAt;

        public bool Live { get; set; }
    }

    /// <summary>An event waiting for its group commit, and the publisher's completion (only on the
    /// last event of a <see cref="PublishMany"/> block).</summary>
    private sealed class Pending(StreamEvent streamEvent, bool completes)
    {
        public StreamEvent Event { get; } = streamEvent;

        public TaskCompletionSource<EventPosition>? Completion { get; } = completes ? new(TaskCreationOptions.RunContinuationsAsynchronously) : null;
    }
}
