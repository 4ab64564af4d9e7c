using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace GrainStream.Streams;

/// <summary>One subscription at its subscriber. Deliveries are handled one at a time in arrival
/// order (on the subscribing grain's scheduler when a grain subscribed); each event is checked
/// against the last one delivered, so a duplicate is dropped and a gap makes the subscription
/// subscribe again from its last event, which replays the missing ones from the log, instead of
/// reaching the observer.</summary>
internal sealed class EventStreamSubscription<T> : StreamSubscriptionHandle<T>, IEventSubscription, IThreadPoolWorkItem
{
    // Bounds how long one drain keeps a thread; the rest continues on another pool work item.
    private const int MaxDeliveriesPerDrain = 64;
    private static readonly TimeSpan MaxAttemptTimeout = TimeSpan.FromSeconds(30);

    // Deliveries held back while an earlier one is missing; beyond it the gap is replayed at once.
    private const int MaxEarlyDeliveries = 256;

    // Put in the inbox when a gap has stayed open for the gap timeout.
    private static readonly StreamDelivery GapCheck = new("", [], null, []);

    private readonly GrainStreamProvider _provider;
    private readonly StreamDeliveryEndpoint _endpoint;
    private readonly IStreamHubGrain _hub;
    private readonly ConcurrentQueue<StreamDelivery> _inbox = new();
    private readonly CancellationTokenSource _stopped = new();
    private readonly TaskScheduler? _scheduler;
    private readonly Lock _gate = new();
    private IAsyncObserver<T>? _observer;
    private IAsyncBatchObserver<T>? _batchObserver;
    private EventPosition? _last;
    // Deliveries that arrived before an earlier one, by first sequence; touched by the drain only.
    private readonly SortedList<long, StreamDelivery> _early = [];
    private ITimer? _gapTimer;
    private int _resubscribing;
    private bool _registered;
    private int _draining;

    public EventStreamSubscription(GrainStreamProvider provider, StreamId streamId, EventPosition? after)
    {
        _provider = provider;
        _endpoint = provider.Endpoint;
        StreamId = streamId;
        HubKey = StreamHubKey.Format(provider.Name, streamId);
        _hub = provider.Hub(streamId);
        _last = after;
        // A grain's subscription runs its observer on the grain's scheduler, like the grain's timers.
        _scheduler = TaskScheduler.Current == TaskScheduler.Default ? null : TaskScheduler.Current;
    }

    public override StreamId StreamId { get; }

    public override string ProviderName => _provider.Name;

    public override Guid HandleId => SubscriptionId;

    public Guid SubscriptionId { get; } = Guid.NewGuid();

    public string HubKey { get; }

    public bool IsRegistered => Volatile.Read(ref _registered) && Volatile.Read(ref _resubscribing) == 0;

    /// <summary>The position of the last event delivered, or where the subscription started.</summary>
    public EventPosition? LastDelivered
    {
        get { lock (_gate) return _last; }
    }

    internal void SetObserver(IAsyncObserver<T>? observer, IAsyncBatchObserver<T>? batchObserver)
    {
        _observer = observer;
        _batchObserver = batchObserver;
    }

    /// <summary>Registers with the hub; replayed events may arrive before this completes.</summary>
    public async Task SubscribeAtHubAsync()
    {
        var reference = await _endpoint.GetReferenceAsync().ConfigureAwait(false);
        EventPosition? from;
        lock (_gate) from = _last;
        var live = await _hub.Subscribe(new StreamSubscriberInfo(SubscriptionId, reference), from).ConfigureAwait(false);
        // A subscription from "now" knows its position from here on, so a later re-subscription
        // (its hub was lost) replays what it missed rather than starting from the new now.
        lock (_gate) _last ??= live;
        Volatile.Write(ref _registered, true);
    }

    public void Enqueue(StreamDelivery delivery)
    {
        if (_stopped.IsCancellationRequested) return;
        if (delivery.HubLeaving)
        {
            Resubscribe();
            return;
        }
        _inbox.Enqueue(delivery);
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute() => _ = DrainAsync();

    private async Task DrainAsync()
    {
        for (var handled = 0; handled < MaxDeliveriesPerDrain && _inbox.TryDequeue(out var delivery); handled++)
        {
            if (_stopped.IsCancellationRequested)
            {
                _inbox.Clear();
                break;
            }
            try
            {
                if (_scheduler is { } scheduler)
                {
                    await Task.Factory.StartNew(static state =>
                    {
                        var (subscription, queued) = ((EventStreamSubscription<T>, StreamDelivery))state!;
                        return subscription.HandleAsync(queued);
                    }, (this, delivery), CancellationToken.None, TaskCreationOptions.None, scheduler).Unwrap().ConfigureAwait(false);
                }
                else await HandleAsync(delivery).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                _provider.Logger.LogError(exception, "Stream subscription {SubscriptionId} on {StreamId} failed to handle a delivery", SubscriptionId, StreamId);
            }
        }
        // A full fence, not a volatile write: the emptiness check must not move before the reset,
        // or a delivery enqueued in between would find a drain still scheduled and wait forever.
        Interlocked.Exchange(ref _draining, 0);
        if (!_inbox.IsEmpty && Interlocked.CompareExchange(ref _draining, 1, 0) == 0) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Hands a delivery on in sequence order. Orleans does not promise that one-way
    /// messages arrive in the order they were sent, so a delivery that starts after a gap waits
    /// (up to <see cref="EventStreamOptions.GapTimeout"/>) for the ones before it; only a gap that
    /// stays is replayed from the log.</summary>
    private async Task HandleAsync(StreamDelivery delivery)
    {
        if (ReferenceEquals(delivery, GapCheck))
        {
            if (_early.Count == 0) return;
            _provider.Logger.LogDebug("Gap in {StreamId} after {Last} stayed open; replaying", StreamId, LastDelivered);
            DropEarly();
            Resubscribe();
            return;
        }
        if (delivery.Truncated is null && IsEarly(delivery))
        {
            if (_early.Count >= MaxEarlyDeliveries)
            {
                DropEarly();
                Resubscribe();
                return;
            }
            _early[delivery.Events[0].Position.Sequence] = delivery;
            _gapTimer ??= _provider.Time.CreateTimer(static state => ((EventStreamSubscription<T>)state!).Enqueue(GapCheck), this, _provider.Options.GapTimeout, Timeout.InfiniteTimeSpan);
            return;
        }
        await DeliverAsync(delivery);
        // Deliveries that came early may follow on now.
        while (_early.Count > 0 && !IsEarly(_early.Values[0]))
        {
            var next = _early.Values[0];
            _early.RemoveAt(0);
            await DeliverAsync(next);
        }
        if (_early.Count == 0) DropEarly();
    }

    // True when the delivery's first event is past the next one expected, in the same epoch.
    private bool IsEarly(StreamDelivery delivery)
    {
        if (delivery.Events.Count == 0 || LastDelivered is not { } last) return false;
        var first = delivery.Events[0].Position;
        return (last.Epoch == first.Epoch || last.Epoch == 0) && first.Sequence > last.Sequence + 1;
    }

    private void DropEarly()
    {
        _early.Clear();
        _gapTimer?.Dispose();
        _gapTimer = null;
    }

    private async Task DeliverAsync(StreamDelivery delivery)
    {
        if (delivery.Truncated is { } truncated)
        {
            bool current;
            lock (_gate)
            {
                // A signal answers a subscription from one position; once the subscription has
                // moved on (an earlier answer to the same request came first), it is stale.
                current = _last == truncated.Requested;
                if (current) _last = new EventPosition(truncated.FirstAvailable.Epoch, truncated.FirstAvailable.Sequence - 1);
            }
            if (current) await Guard(static s => s.Subscription.SignalTruncatedAsync(s.Truncated), (Subscription: this, Truncated: truncated));
        }
        var events = delivery.Events;
        List<SequentialItem<T>>? batch = null;
        for (var i = 0; i < events.Count; i++)
        {
            var streamEvent = events[i];
            if (_stopped.IsCancellationRequested) return;
            var position = streamEvent.Position;
            EventPosition? last;
            lock (_gate) last = _last;
            if (last is { } seen)
            {
                var sameEpoch = seen.Epoch == position.Epoch || seen.Epoch == 0;
                if (sameEpoch && position.Sequence <= seen.Sequence) continue; // already delivered
                if (!sameEpoch || position.Sequence != seen.Sequence + 1)
                {
                    // Within one delivery, or across epochs, a gap is never a matter of order: replay now.
                    _provider.Logger.LogDebug("Gap in {StreamId} after {Last}: got {Position}; replaying", StreamId, seen, position);
                    if (batch is not null) await Guard(static s => s.Observer.OnNextAsync(s.Batch), (Observer: _batchObserver!, Batch: batch));
                    Resubscribe();
                    return;
                }
            }
            T item;
            try
            {
                item = _provider.Serializer.Deserialize<T>(streamEvent);
            }
            catch (Exception exception)
            {
                _provider.Logger.LogWarning(exception, "Event {Position} of {StreamId} cannot be read as {Type}; skipped", position, StreamId, typeof(T));
                lock (_gate) _last = position;
                continue;
            }
            var token = new EventPositionToken(position);
            if (_batchObserver is not null) (batch ??= []).Add(new SequentialItem<T>(item, token));
            else await Guard(static s => s.Observer.OnNextAsync(s.Item, s.Token), (Observer: _observer!, Item: item, Token: token));
            lock (_gate) _last = position;
        }
        if (batch is not null) await Guard(static s => s.Observer.OnNextAsync(s.Batch), (Observer: _batchObserver!, Batch: batch));
    }

    // The typed signal to an observer that takes it; otherwise the signal as an error.
    private Task SignalTruncatedAsync(StreamHistoryTruncated truncated)
    {
        object observer = (object?)_observer ?? _batchObserver!;
        if (observer is IStreamHistoryObserver history) return history.OnHistoryTruncatedAsync(truncated);
        var error = new StreamHistoryTruncatedException(truncated);
        return _observer?.OnErrorAsync(error) ?? _batchObserver!.OnErrorAsync(error);
    }

    // An observer that throws does not end the subscription. The call's arguments travel as state
    // to a static lambda: no closure and no delegate per event on the delivery path.
    private async Task Guard<TState>(Func<TState, Task> call, TState state)
    {
        try
        {
            await call(state);
        }
        catch (Exception exception)
        {
            _provider.Logger.LogWarning(exception, "An observer of {StreamId} threw; the subscription continues", StreamId);
        }
    }

    /// <summary>Subscribes again from the last delivered position, retrying with back-off until it
    /// works or the subscription ends.</summary>
    public void Resubscribe()
    {
        if (_stopped.IsCancellationRequested || Interlocked.Exchange(ref _resubscribing, 1) == 1) return;
        _ = ResubscribeAsync();
    }

    private async Task ResubscribeAsync()
    {
        var delay = _provider.Options.ResubscribeBackoff;
        var attemptTimeout = _provider.Options.ResubscribeAttemptTimeout;
        try
        {
            while (!_stopped.IsCancellationRequested)
            {
                try
                {
                    // An attempt that times out may still register at the hub: the replays overlap,
                    // and the sequence check drops what was delivered twice.
                    await SubscribeAtHubAsync().WaitAsync(attemptTimeout, _provider.Time, _stopped.Token).ConfigureAwait(false);
                    return;
                }
                catch (TimeoutException)
                {
                    _provider.Logger.LogDebug("Re-subscribing to {StreamId} took longer than {Timeout}; trying again in {Delay}", StreamId, attemptTimeout, delay);
                    attemptTimeout = TimeSpan.FromTicks(Math.Min(attemptTimeout.Ticks * 2, MaxAttemptTimeout.Ticks));
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !_stopped.IsCancellationRequested)
                {
                    _provider.Logger.LogDebug(exception, "Re-subscribing to {StreamId} failed; retrying in {Delay}", StreamId, delay);
                }
                await Task.Delay(delay, _provider.Time, _stopped.Token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Volatile.Write(ref _resubscribing, 0);
        }
    }

    public override async Task UnsubscribeAsync()
    {
        if (_stopped.IsCancellationRequested) return;
        _stopped.Cancel();
        _inbox.Clear();
        _gapTimer?.Dispose();
        _endpoint.Remove(this);
        try
        {
            await _hub.Unsubscribe(SubscriptionId).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _provider.Logger.LogDebug(exception, "Unsubscribing {SubscriptionId} from {StreamId} failed; the hub drops it when its lease runs out", SubscriptionId, StreamId);
        }
    }

    public override Task<StreamSubscriptionHandle<T>> ResumeAsync(IAsyncObserver<T> observer, StreamSequenceToken? token = null)
        => ResumeWith(observer, null, token);

    public override Task<StreamSubscriptionHandle<T>> ResumeAsync(IAsyncBatchObserver<T> observer, StreamSequenceToken? token = null)
        => ResumeWith(null, observer, token);

    private async Task<StreamSubscriptionHandle<T>> ResumeWith(IAsyncObserver<T>? observer, IAsyncBatchObserver<T>? batchObserver, StreamSequenceToken? token)
    {
        // A new subscription from the token (or from this one's last event) replaces this one.
        var from = token is null ? LastDelivered : EventPositionToken.PositionOf(token);
        await UnsubscribeAsync().ConfigureAwait(false);
        return await _provider.SubscribeAsync(StreamId, observer, batchObserver, from).ConfigureAwait(false);
    }

    public override bool Equals(StreamSubscriptionHandle<T>? other) => other is EventStreamSubscription<T> subscription && subscription.SubscriptionId == SubscriptionId;

    public override bool Equals(object? obj) => obj is StreamSubscriptionHandle<T> other && Equals(other);

    public override int GetHashCode() => SubscriptionId.GetHashCode();
}
