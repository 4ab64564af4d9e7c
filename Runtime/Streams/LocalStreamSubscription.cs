using System.Collections.Concurrent;
using GrainStream.Runtime.Catalog;
using GrainStream.Runtime.Messaging;
using GrainStream.Runtime.Scheduling;
using GrainStream.Streams;
using Microsoft.Extensions.Logging;

namespace GrainStream.Runtime.Streams;

/// <summary>One subscription at its subscriber. Deliveries are processed one at a time in arrival
/// order (as turns of the owning activation for grain subscribers); each event is checked against
/// the last one delivered, so a duplicate is dropped and a gap triggers a replay from the hub
/// instead of reaching the observer.</summary>
/// <remarks>Deliveries that a turn makes inside a <see cref="TurnBatch"/> (a grain call from a request
/// thread, a connection's read loop) are handled on that thread when the batch closes; others on a
/// pool thread. Either way one drain at a time, so the observer never runs in parallel with itself.</remarks>
internal sealed class LocalStreamSubscription : StreamSubscriptionHandle, IThreadPoolWorkItem, IDeferredWork
{
    // Bounds how long one drain keeps a thread; the rest continues on a pool thread.
    private const int MaxDeliveriesPerDrain = 64;

    private readonly StreamRuntime _runtime;
    private readonly IStreamObserver _observer;
    private readonly ConcurrentQueue<StreamDelivery> _inbox = new();
    private readonly CancellationTokenSource _stopped = new();
    private readonly StreamSequenceToken? _requested;
    private readonly Lock _gate = new();
    private StreamSequenceToken? _lastValue;
    private int _resubscribing;
    private int _draining;

    private StreamSequenceToken? _last
    {
        get { lock (_gate) return _lastValue; }
        set { lock (_gate) _lastValue = value; }
    }

    public LocalStreamSubscription(StreamRuntime runtime, StreamId streamId, IStreamObserver observer, StreamSequenceToken? after, Activation? owner)
    {
        _runtime = runtime;
        _observer = observer;
        _requested = after;
        _last = after;
        StreamId = streamId;
        Owner = owner;
    }

    public override Guid SubscriptionId { get; } = Guid.NewGuid();

    public override StreamId StreamId { get; }

    public override StreamSequenceToken? LastDelivered => _last is { Sequence: > 0 } last ? last : null;

    public Activation? Owner { get; }

    public SiloAddress? HubSilo { get; private set; }

    public async Task SubscribeAtHubAsync()
    {
        var result = await _runtime.Hub(StreamId).Subscribe(_runtime.SubscriberInfo(SubscriptionId), _last ?? _requested).ConfigureAwait(false);
        HubSilo = result.HubSilo;
    }

    public void Enqueue(StreamDelivery delivery)
    {
        if (_stopped.IsCancellationRequested) return;
        _inbox.Enqueue(delivery);
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0) ScheduleDrain();
    }

    private void ScheduleDrain()
    {
        if (TurnBatch.Current is { } batch) batch.Add(this);
        else ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IDeferredWork.RunDeferred(bool inline)
    {
        if (inline) _ = DrainAsync();
        else ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
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
                if (Owner is { } owner) await RunAsTurnAsync(owner, delivery).ConfigureAwait(false);
                else await HandleAsync(delivery).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                _runtime.Logger.LogError(exception, "Stream subscription {SubscriptionId} on {StreamId} failed to handle a delivery", SubscriptionId, StreamId);
            }
        }
        // A full fence, not a volatile write: the emptiness check must not move before the reset,
        // or a delivery enqueued in between would find a drain still scheduled and wait forever.
        Interlocked.Exchange(ref _draining, 0);
        if (!_inbox.IsEmpty && Interlocked.CompareExchange(ref _draining, 1, 0) == 0) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    private Task RunAsTurnAsync(Activation owner, StreamDelivery delivery)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        owner.Enqueue(new DelegateWorkItem(async () =>
        {
            try
            {
                await HandleAsync(delivery);
            }
            finally
            {
                done.TrySetResult();
            }
        }, onReject: _ => done.TrySetResult()));
        return done.Task;
    }

    private async ValueTask HandleAsync(StreamDelivery delivery)
    {
        if (delivery.Truncated is { } truncated)
        {
            _last = new StreamSequenceToken(truncated.FirstAvailable.Epoch, truncated.FirstAvailable.Sequence - 1);
            try
            {
                await _observer.OnHistoryTruncatedAsync(truncated);
            }
            catch (Exception exception)
            {
                ObserverFailed(exception);
            }
        }
        var events = delivery.Events;
        for (var i = 0; i < events.Count; i++)
        {
            var streamEvent = events[i];
            if (_stopped.IsCancellationRequested) return;
            var token = streamEvent.Token;
            if (_last is { } last)
            {
                var sameEpoch = last.Epoch == token.Epoch || last.Epoch == 0;
                if (sameEpoch && token.Sequence <= last.Sequence) continue; // already delivered
                if (!sameEpoch || token.Sequence != last.Sequence + 1)
                {
                    _runtime.Logger.LogDebug("Gap in {StreamId} after {Last}: got {Token}; replaying", StreamId, last, token);
                    Resubscribe();
                    return;
                }
            }
            // Awaited in place (no delegate per event); an observer that throws does not end the subscription.
            try
            {
                await _observer.OnNextAsync(streamEvent);
            }
            catch (Exception exception)
            {
                ObserverFailed(exception);
            }
            _last = token;
        }
    }

    private void ObserverFailed(Exception exception) => _runtime.Logger.LogWarning(exception, "Observer of {StreamId} threw; the subscription continues", StreamId);

    /// <summary>Subscribes again from the last delivered position, retrying with back-off until it
    /// works or the subscription ends.</summary>
    public void Resubscribe()
    {
        if (_stopped.IsCancellationRequested || Interlocked.Exchange(ref _resubscribing, 1) == 1) return;
        _ = ResubscribeAsync();
    }

    private async Task ResubscribeAsync()
    {
        var delay = _runtime.Options.ResubscribeBackoff;
        try
        {
            while (!_stopped.IsCancellationRequested)
            {
                try
                {
                    await SubscribeAtHubAsync().ConfigureAwait(false);
                    return;
                }
                catch (Exception exception)
                {
                    _runtime.Logger.LogDebug(exception, "Re-subscribing to {StreamId} failed; retrying in {Delay}", StreamId, delay);
                }
                await Task.Delay(delay, _stopped.Token).ConfigureAwait(false);
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
        _runtime.Remove(this);
        Owner?.StreamSubscriptions.TryRemove(SubscriptionId, out _);
        try
        {
            await _runtime.Hub(StreamId).Unsubscribe(SubscriptionId).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _runtime.Logger.LogDebug(exception, "Unsubscribing {SubscriptionId} from {StreamId} failed; the hub drops it when it cannot deliver", SubscriptionId, StreamId);
        }
    }
}
