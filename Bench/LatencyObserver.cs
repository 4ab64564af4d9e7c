using Orleans.Streams;

namespace GrainStream.Bench;

/// <summary>A stream subscriber that records, for each event, the time from its publish to its
/// delivery here, and checks that events arrive in publish order.</summary>
/// <param name="latency">Where latencies go.</param>
/// <param name="read">The event's number in publish order and its publish time (Stopwatch ticks).</param>
internal sealed class LatencyObserver<T>(LatencyHistogram latency, Func<T, (long Sequence, long Timestamp)> read) : IAsyncObserver<T>
{
    private long _last;
    private long _highest;
    private long _received;
    private long _outOfOrder;
    private long _errors;
    private string? _lastError;

    /// <summary>Events delivered so far.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Events that did not come right after the one before (a gap or a reordering).</summary>
    public long OutOfOrder => Volatile.Read(ref _outOfOrder);

    /// <summary>The highest event number delivered.</summary>
    public long HighestSequence => Volatile.Read(ref _highest);

    /// <summary>Errors the stream signalled (GrainStream signals history it no longer has this way).</summary>
    public long Errors => Volatile.Read(ref _errors);

    /// <summary>The last error's message.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    public Task OnNextAsync(T item, StreamSequenceToken? token = null)
    {
        var (sequence, timestamp) = read(item);
        latency.RecordSince(timestamp);
        if (sequence != _last + 1) Interlocked.Increment(ref _outOfOrder);
        _last = sequence;
        if (sequence > _highest) Volatile.Write(ref _highest, sequence);
        Interlocked.Increment(ref _received);
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        Volatile.Write(ref _lastError, ex.Message);
        Interlocked.Increment(ref _errors);
        return Task.CompletedTask;
    }
}
