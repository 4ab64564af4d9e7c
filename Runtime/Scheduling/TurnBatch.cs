using System.Diagnostics;

namespace GrainStream.Runtime.Scheduling;

/// <summary>Work that a thread defers until it finishes what it is doing: turns made runnable and
/// connections given frames.</summary>
internal interface IDeferredWork
{
    /// <summary>Runs the work on the current thread (<paramref name="inline"/>) or hands it to the thread pool.</summary>
    void RunDeferred(bool inline);
}

/// <summary>Lets a connection's read loop run what one read produced on its own thread: the turns of
/// the requests and responses it decoded, then one send per connection for everything those turns
/// sent. Without it every frame wakes a pool thread and every send another, and on few cores the
/// wake-ups, not the work, would cost most. Inline work is bounded by a time budget; what is left
/// then goes to the thread pool as usual, so a slow turn delays the connection's next read only
/// that long.</summary>
internal sealed class TurnBatch
{
    private static readonly long Budget = Stopwatch.Frequency / 1000; // 1 ms

    [ThreadStatic]
    private static TurnBatch? t_current;

    [ThreadStatic]
    private static TurnBatch? t_spare;

    private readonly List<IDeferredWork> _work = [];

    /// <summary>The batch collecting this thread's deferred work, if any.</summary>
    public static TurnBatch? Current => t_current;

    /// <summary>Starts collecting; null when a batch is already open on this thread.</summary>
    public static TurnBatch? Open()
    {
        if (t_current is not null) return null;
        var batch = t_spare ?? new TurnBatch();
        t_spare = null;
        t_current = batch;
        return batch;
    }

    public void Add(IDeferredWork work) => _work.Add(work);

    /// <summary>Runs the collected work (and what it adds) inline until the budget is spent, then
    /// hands the rest to the thread pool, and stops collecting.</summary>
    public void Close()
    {
        var deadline = Stopwatch.GetTimestamp() + Budget;
        try
        {
            for (var i = 0; i < _work.Count; i++)
            {
                _work[i].RunDeferred(inline: Stopwatch.GetTimestamp() < deadline);
            }
        }
        finally
        {
            t_current = null;
            _work.Clear();
            t_spare = this;
        }
    }
}
