using GrainStream.Runtime.Catalog;
using GrainStream.Runtime.Messaging;
using GrainStream.Storage;
using GrainStream.Streams;
using Microsoft.Extensions.Logging;

namespace GrainStream.Runtime.Streams;

/// <summary>The hub of one stream. Reentrant so that publishes pipeline into group commits, yet all
/// its code runs on the activation's single thread: the hand-over from replay to live delivery
/// happens between two awaits, where nothing else can run, which is what makes it gap-free.</summary>
[Reentrant]
[GrainType("sys.streamhub")]
internal sealed class StreamHubGrain(IEventLog log) : Grain, IStreamHubGrain
{
    private readonly Dictionary<Guid, Subscriber> _subscribers = [];
    private readonly List<Pending> _pending = [];
    private readonly List<Pending> _batch = [];
    // Live subscribers grouped by endpoint, rebuilt only when subscriptions change.
    private (SiloAddress? Silo, Guid Client, Guid[] Ids)[]? _liveGroups;
    private SiloRuntime _silo = null!;
    private SequenceRing<StreamEvent> _cache = null!;
    private StreamId _streamId;
    private long _epoch;
    private long _assigned;
    private long _committed;
    private bool _flushing;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _silo = ((Activation)GrainContext).Silo;
        _cache = new SequenceRing<StreamEvent>(_silo.StreamOptions.CacheSize);
        _streamId = StreamId.Parse(this.GetPrimaryKeyString());
        var position = await log.OpenAsync(_streamId, cancellationToken);
        _epoch = position.Epoch;
        _assigned = _committed = position.LastSequence;
    }

    public Task<StreamSequenceToken> Publish(StreamPublication publication)
    {
        ArgumentException.ThrowIfNullOrEmpty(publication.EventName);
        var token = new StreamSequenceToken(_epoch, ++_assigned);
        var pending = new Pending(new StreamEvent(_streamId, token, publication.EventName, TimeProvider.GetUtcNow(), publication.Payload));
        _pending.Add(pending);
        if (!_flushing) _ = FlushAsync();
        return pending.Task;
    }

    /// <summary>Commits queued events in groups, then delivers each group to the live subscribers.</summary>
    private async Task FlushAsync()
    {
        _flushing = true;
        try
        {
            // Let the publishes already in the mailbox join this group: under load one commit and
            // one delivery frame then carry many events.
            await Task.Yield();
            var batch = _batch;
            while (_pending.Count > 0)
            {
                var count = Math.Min(_pending.Count, _silo.StreamOptions.MaxCommitBatch);
                batch.Clear();
                batch.AddRange(_pending.Count == count ? _pending : _pending.GetRange(0, count));
                _pending.RemoveRange(0, count);
                var events = new List<StreamEvent>(count);
                foreach (var p in batch) events.Add(p.Event);
                try
                {
                    await log.AppendAsync(_streamId, events);
                }
                catch (Exception exception)
                {
                    // Nothing after the last commit is durable: fail it all and number anew from there.
                    _silo.Logger.LogWarning(exception, "Appending to stream {StreamId} failed", _streamId);
                    foreach (var failed in batch.Concat(_pending)) failed.TrySetException(exception);
                    _pending.Clear();
                    _assigned = _committed;
                    _cache.Clear();
                    return;
                }
                foreach (var e in events) _cache.Add(e.Token.Sequence, e);
                _committed = events[^1].Token.Sequence;
                DeliverLive(events);
                foreach (var done in batch) done.TrySetResult(done.Event.Token);
            }
        }
        finally
        {
            _batch.Clear();
            _flushing = false;
        }
    }

    private void DeliverLive(List<StreamEvent> events)
    {
        if (_subscribers.Count == 0) return;
        _liveGroups ??= [.. _subscribers.Values.Where(s => s.Live).GroupBy(s => (s.Info.Silo, s.Info.Client))
            .Select(g => (g.Key.Silo, g.Key.Client, g.Select(s => s.Info.SubscriptionId).ToArray()))];
        foreach (var (silo, client, ids) in _liveGroups)
        {
            if (!Send(silo, client, ids, null, events))
            {
                foreach (var id in ids) _subscribers.Remove(id);
                UpdateKeepAlive();
            }
        }
    }

    private bool Send(SiloAddress? silo, Guid client, IReadOnlyList<Guid> ids, StreamHistoryTruncated? truncated, IReadOnlyList<StreamEvent> events)
        => _silo.Streams.SendDelivery(silo, client, new StreamDelivery(client, _streamId, ids, truncated, events));

    public async Task<StreamSubscribeResult> Subscribe(StreamSubscriberInfo subscriber, StreamSequenceToken? after)
    {
        var id = subscriber.SubscriptionId;
        var entry = new Subscriber(subscriber);
        _subscribers[id] = entry;
        UpdateKeepAlive();

        long next;
        if (after is not { } requested)
        {
            next = _committed + 1;
        }
        else if (requested.Epoch != 0 && requested.Epoch != _epoch)
        {
            next = 1;
            Signal(entry, requested, StreamHistoryTruncationReason.EpochChanged);
        }
        else if (requested.Sequence > _committed)
        {
            next = _committed + 1;
            Signal(entry, requested, StreamHistoryTruncationReason.AheadOfStream);
        }
        else
        {
            next = requested.Sequence + 1;
        }

        // Replay until caught up with what is committed; the check and the switch to live happen
        // with no await between them, so the next group commit reaches this subscriber live.
        var announcedGap = false;
        while (next <= _committed)
        {
            var events = _cache.TryGetFrom(next, _silo.StreamOptions.ReplayBatchSize)
                ?? [.. await log.ReadAsync(_streamId, next - 1, _silo.StreamOptions.ReplayBatchSize)];
            if (!_subscribers.ContainsKey(id)) return new StreamSubscribeResult(_silo.Address, new StreamSequenceToken(_epoch, _committed));
            if (events.Count == 0) break;
            var first = events[0].Token.Sequence;
            StreamHistoryTruncated? truncated = null;
            if (first > next && !announcedGap && !entry.Signalled)
            {
                truncated = new StreamHistoryTruncated(_streamId, after ?? default, events[0].Token, StreamHistoryTruncationReason.OlderThanHistory);
            }
            announcedGap = true;
            if (!Send(subscriber.Silo, subscriber.Client, [id], truncated, events))
            {
                _subscribers.Remove(id);
                UpdateKeepAlive();
                throw new SiloUnavailableException($"Subscriber {id} of {_streamId} is not reachable from {_silo.Address}.");
            }
            next = events[^1].Token.Sequence + 1;
        }
        entry.Live = true;
        _liveGroups = null;
        return new StreamSubscribeResult(_silo.Address, new StreamSequenceToken(_epoch, _committed));
    }

    private void Signal(Subscriber entry, StreamSequenceToken requested, StreamHistoryTruncationReason reason)
    {
        entry.Signalled = true;
        var firstAvailable = new StreamSequenceToken(_epoch, reason == StreamHistoryTruncationReason.EpochChanged ? 1 : _committed + 1);
        Send(entry.Info.Silo, entry.Info.Client, [entry.Info.SubscriptionId], new StreamHistoryTruncated(_streamId, requested, firstAvailable, reason), []);
    }

    public Task Unsubscribe(Guid subscriptionId)
    {
        _subscribers.Remove(subscriptionId);
        UpdateKeepAlive();
        return Task.CompletedTask;
    }

    public Task<StreamSequenceToken> GetLastToken() => Task.FromResult(new StreamSequenceToken(_epoch, _committed));

    public async Task<StreamHistoryPage> ReadHistory(long afterSequence, int maxCount)
    {
        maxCount = Math.Clamp(maxCount, 1, 10_000);
        var committed = _committed;
        var events = _cache.TryGetFrom(afterSequence + 1, maxCount) is { } cached && (cached.Count > 0 || afterSequence >= committed)
            ? cached
            : [.. await log.ReadAsync(_streamId, afterSequence, maxCount)];
        // Never hand out events that are appended but not yet committed and delivered.
        events = events.Where(e => e.Token.Sequence <= committed).ToList();
        var position = await log.OpenAsync(_streamId);
        return new StreamHistoryPage(_epoch, Math.Min(position.FirstSequence, committed + 1), committed, events);
    }

    // A hub with subscribers must stay: they would not learn that it went away.
    // Called whenever the subscribers change.
    private void UpdateKeepAlive()
    {
        _liveGroups = null;
        DelayDeactivation(_subscribers.Count > 0 ? TimeSpan.MaxValue : TimeSpan.Zero);
    }

    private sealed class Subscriber(StreamSubscriberInfo info)
    {
        public StreamSubscriberInfo Info { get; } = info;

        public bool Live { get; set; }

        public bool Signalled { get; set; }
    }

    /// <summary>An event waiting for its group commit, and the publisher's completion.</summary>
    private sealed class Pending(StreamEvent streamEvent) : TaskCompletionSource<StreamSequenceToken>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public StreamEvent Event { get; } = streamEvent;
    }
}
