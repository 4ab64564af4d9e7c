using System.Collections.Concurrent;

namespace GrainStream.Runtime.Scheduling;

/// <summary>The single-threaded execution context of one activation. Turns and every continuation
/// of grain code (awaits capture this context) run here one at a time, on thread-pool threads (or
/// on a connection's read loop, see <see cref="TurnBatch"/>), so grain code never runs in parallel
/// with itself even when calls interleave.</summary>
internal sealed class ActivationTaskQueue : SynchronizationContext, IThreadPoolWorkItem, IDeferredWork
{
    // Bounds how long one activation keeps a thread before yielding it to others.
    private const int MaxItemsPerDrain = 128;

    private readonly ConcurrentQueue<(SendOrPostCallback Callback, object? State)> _items = new();
    private int _scheduled;

    public ActivationTaskQueue(object owner) => Owner = owner;

    /// <summary>The activation this context belongs to.</summary>
    public object Owner { get; }

    /// <summary>The queue running the current thread's work, if any.</summary>
    public static new ActivationTaskQueue? Current => SynchronizationContext.Current as ActivationTaskQueue;

    public override void Post(SendOrPostCallback d, object? state)
    {
        _items.Enqueue((d, state));
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0) Schedule(preferLocal: true);
    }

    private void Schedule(bool preferLocal)
    {
        if (TurnBatch.Current is { } batch) batch.Add(this);
        else ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal);
    }

    void IDeferredWork.RunDeferred(bool inline)
    {
        if (inline) ((IThreadPoolWorkItem)this).Execute();
        else ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("Synchronous Send to a grain's context would deadlock; await instead.");

    public override SynchronizationContext CreateCopy() => this;

    void IThreadPoolWorkItem.Execute()
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(this);
        try
        {
            for (var i = 0; i < MaxItemsPerDrain && _items.TryDequeue(out var item); i++)
            {
                item.Callback(item.State);
            }
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        // A full fence, not a volatile write: the emptiness check below must not be reordered before
        // the reset, or an item posted in between would find the queue still scheduled and be stranded.
        Interlocked.Exchange(ref _scheduled, 0);
        if (!_items.IsEmpty && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0) Schedule(preferLocal: false);
    }
}
