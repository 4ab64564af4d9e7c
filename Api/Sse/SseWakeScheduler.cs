using System.Collections.Concurrent;
using System.Diagnostics;

namespace GrainStream.Api.Sse;

/// <summary>Runs fan-out wake slices (<see cref="SseWakeBatch"/>) on the thread pool without
/// flooding it: at most one worker per core sits in the pool's queue, and a worker gives its
/// thread back after about a millisecond, re-queueing itself behind whatever else waits. Under
/// saturation, requests (publishers above all) then wait behind at most a couple of workers, not
/// behind thousands of queued writes; the connections that cannot keep up fall behind, are cut off
/// and resume.</summary>
internal sealed class SseWakeScheduler : IThreadPoolWorkItem
{
    /// <summary>The one scheduler of the process (fan-out shares the cores, whichever relay asks).</summary>
    public static readonly SseWakeScheduler Shared = new(Environment.ProcessorCount, TimeSpan.FromMilliseconds(1));

    private readonly ConcurrentQueue<(SseWake[] Wakes, bool BatchSends)> _slices = new();
    private readonly int _maxWorkers;
    private readonly long _budgetTicks;
    private int _workers;

    /// <summary>At most <paramref name="maxWorkers"/> workers, each running for about <paramref name="budget"/> at a time.</summary>
    public SseWakeScheduler(int maxWorkers, TimeSpan budget)
    {
        _maxWorkers = Math.Max(1, maxWorkers);
        _budgetTicks = (long)(budget.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>Queues connections to wake, in order (see <see cref="SseWake.RunAll"/>).</summary>
    public void Enqueue(SseWake[] slice, bool batchSends)
    {
        _slices.Enqueue((slice, batchSends));
        TryAddWorker();
    }

    private void TryAddWorker()
    {
        while (true)
        {
            var workers = Volatile.Read(ref _workers);
            if (workers >= _maxWorkers) return;
            if (Interlocked.CompareExchange(ref _workers, workers + 1, workers) == workers) break;
        }
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    // Each queued instance of this item is one worker (the item itself holds no state per worker).
    void IThreadPoolWorkItem.Execute()
    {
        var until = Stopwatch.GetTimestamp() + _budgetTicks;
        while (_slices.TryDequeue(out var slice))
        {
            SseWake.RunAll(slice.Wakes, slice.BatchSends);
            if (Stopwatch.GetTimestamp() >= until)
            {
                // Budget spent: back of the pool's queue, still counted as a worker.
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                return;
            }
        }
        Interlocked.Decrement(ref _workers);
        // A slice queued after the last TryDequeue but before the decrement found the limit reached.
        if (!_slices.IsEmpty) TryAddWorker();
    }
}
