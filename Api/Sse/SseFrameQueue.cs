using System.Threading.Tasks.Sources;

namespace GrainStream.Api.Sse;

/// <summary>What <see cref="SseFrameQueue.Offer"/> did with a frame.</summary>
internal enum SseOffer : byte
{
    /// <summary>Queued; the reader is busy or already woken.</summary>
    Queued,
    /// <summary>Queued, and the reader was waiting: the caller must <see cref="SseFrameQueue.Wake"/> it.</summary>
    QueuedWake,
    /// <summary>The queue was full: it is now completed (the connection is cut off). A full queue has
    /// no waiting reader, so there is nothing to wake; the reader finds the end after what is queued.</summary>
    Overflowed,
    /// <summary>The queue was already completed; the frame was dropped.</summary>
    Closed,
}

/// <summary>What <see cref="SseFrameQueue.TryWaitAgain"/> found.</summary>
internal enum SseWaitAgain : byte
{
    /// <summary>Nothing queued: the reader counts as waiting again (its pending wait stays as it was).</summary>
    Waiting,
    /// <summary>Frames are queued: the caller still holds the reader's turn.</summary>
    MoreFrames,
    /// <summary>The queue is completed: the caller must wake the reader so that it ends.</summary>
    Completed,
}

/// <summary>A connection's bounded queue of frames with one reader, built so that a fan-out wakes
/// readers in batches instead of one thread-pool hop per connection: an offer that finds the
/// reader waiting does not resume it but says so (<see cref="SseOffer.QueuedWake"/>), and the
/// caller resumes it with <see cref="Wake"/> — inline, or together with many others on one
/// thread-pool item (<see cref="SseWakeBatch"/>). The reader's continuation runs on the thread
/// that wakes it. Empty and idle, it holds no buffer.</summary>
internal sealed class SseFrameQueue : IValueTaskSource<bool>
{
    // The queue's own monitor guards it (lock (this)): no lock object per connection. The type is
    // internal and only its connection holds it, so nobody else locks on it.
    private SseFrame? _head; // the oldest queued frame: a connection rarely has more than one queued
    private Queue<SseFrame>? _more; // the frames after it, created when first needed
    private int _count;
    private readonly int _capacity;
    private readonly bool _dropOldest;
    private ManualResetValueTaskSourceCore<bool> _signal; // continuations run on the waking thread
    private bool _waiting;
    private bool _completed;

    /// <summary>A queue of <paramref name="capacity"/> frames; when full, <paramref name="dropOldest"/>
    /// makes room by dropping the oldest frame (latest-wins streams), otherwise the queue completes.</summary>
    public SseFrameQueue(int capacity, bool dropOldest)
    {
        _capacity = Math.Max(1, capacity);
        _dropOldest = dropOldest;
    }

    /// <summary>True while the queue holds storage beyond its head frame (for tests: an emptied queue holds none).</summary>
    internal bool HoldsOverflowStorage
    {
        get
        {
            lock (this) return _more is not null;
        }
    }

    /// <summary>Queues a frame; never blocks and never runs the reader.</summary>
    public SseOffer Offer(SseFrame frame)
    {
        lock (this)
        {
            if (_completed) return SseOffer.Closed;
            if (_count >= _capacity)
            {
                if (!_dropOldest)
                {
                    _completed = true;
                    return SseOffer.Overflowed;
                }
                Dequeue();
            }
            if (_count++ == 0) _head = frame;
            else (_more ??= new Queue<SseFrame>()).Enqueue(frame);
            return TakeWaiter() ? SseOffer.QueuedWake : SseOffer.Queued;
        }
    }

    /// <summary>Accepts no more frames; what is queued is still read. True when the caller must
    /// <see cref="Wake"/> the reader.</summary>
    public bool Complete()
    {
        lock (this)
        {
            _completed = true;
            return TakeWaiter();
        }
    }

    /// <summary>Takes the next frame, if any.</summary>
    public bool TryRead(out SseFrame frame)
    {
        lock (this)
        {
            if (_count == 0)
            {
                frame = null!;
                return false;
            }
            frame = Dequeue();
            return true;
        }
    }

    /// <summary>Frames queued now, read without the lock (for metrics: may be a moment old).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>True when no frame is queued.</summary>
    public bool IsEmpty
    {
        get
        {
            lock (this) return _count == 0;
        }
    }

    /// <summary>Completes with true when a frame can be read, false once the queue is completed and empty.</summary>
    public ValueTask<bool> WaitToReadAsync()
    {
        lock (this)
        {
            if (_count > 0) return new ValueTask<bool>(true);
            if (_completed) return new ValueTask<bool>(false);
            _signal.Reset();
            _waiting = true;
            return new ValueTask<bool>(this, _signal.Version);
        }
    }

    /// <summary>For whoever holds the reader's turn without having resumed the reader (it took the
    /// waiting reader in an offer and did the reader's work itself): hands the turn back if nothing
    /// is left to read.</summary>
    public SseWaitAgain TryWaitAgain()
    {
        lock (this)
        {
            if (_count > 0) return SseWaitAgain.MoreFrames;
            if (_completed) return SseWaitAgain.Completed;
            _waiting = true;
            return SseWaitAgain.Waiting;
        }
    }

    /// <summary>Takes the waiting reader's turn without queuing anything, when nothing is queued and
    /// the queue is open: the caller then delivers a frame itself and hands the turn back with
    /// <see cref="TryWaitAgain"/> (or resumes the reader with <see cref="Wake"/>). False when the reader
    /// is busy, already taken, or frames are queued; then <see cref="Offer"/> as usual.</summary>
    /// <remarks>Keeps the frame out of this long-lived object: storing a young frame here, even
    /// briefly, dirties this object's GC card, and a fan-out to thousands of connections made every
    /// gen0 collection scan thousands of cards.</remarks>
    public bool TryClaimReader()
    {
        lock (this)
        {
            if (_count > 0 || _completed) return false;
            return TakeWaiter();
        }
    }

    /// <summary>Resumes the reader after an offer or completion said it was waiting; its
    /// continuation runs here, on this thread, until it next waits.</summary>
    public void Wake() => _signal.SetResult(true);

    // Under the lock, with a frame queued.
    private SseFrame Dequeue()
    {
        var frame = _head!;
        if (--_count > 0)
        {
            _head = _more!.Dequeue();
        }
        else
        {
            _head = null;
            // A queue never shrinks its array: after a burst it would keep it for the connection's life.
            _more = null;
        }
        return frame;
    }

    // Under the lock: exactly one offer (or completion) takes the waiting reader and must wake it.
    private bool TakeWaiter()
    {
        if (!_waiting) return false;
        _waiting = false;
        return true;
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _signal.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _signal.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _signal.OnCompleted(continuation, state, token, flags);
}
