using GrainStream.Invocation;
using GrainStream.Runtime.Catalog;
using GrainStream.Runtime.Scheduling;
using Microsoft.Extensions.Logging;

namespace GrainStream.Runtime.Timers;

/// <summary>A grain timer: each tick is queued as a turn of its activation, and the next tick is
/// armed only after that turn completes, so ticks never overlap.</summary>
internal abstract class GrainTimer : IGrainTimer
{
    public abstract void Change(TimeSpan dueTime, TimeSpan period);

    public abstract void Dispose();
}

internal sealed class GrainTimer<TState> : GrainTimer
{
    private readonly Activation _activation;
    private readonly Func<TState, CancellationToken, Task> _callback;
    private readonly TState _state;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly CancellationTokenSource _disposed = new();
    private readonly WorkItem _tick;
    private TimeSpan _dueTime;
    private TimeSpan _period;
    private int _generation;

    public GrainTimer(Activation activation, TimeProvider time, Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options, ILogger logger)
    {
        if (options.DueTime < TimeSpan.Zero && options.DueTime != Timeout.InfiniteTimeSpan) throw new ArgumentOutOfRangeException(nameof(options), "DueTime must be non-negative or infinite.");
        if (options.Period <= TimeSpan.Zero && options.Period != Timeout.InfiniteTimeSpan) throw new ArgumentOutOfRangeException(nameof(options), "Period must be positive or infinite.");
        _activation = activation;
        _callback = callback;
        _state = state;
        _logger = logger;
        _dueTime = options.DueTime;
        _period = options.Period;
        _timer = time.CreateTimer(static s => ((GrainTimer<TState>)s!).Elapsed(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _tick = new DelegateWorkItem(TickAsync, options.Interleave ? InvokeFlags.AlwaysInterleave : InvokeFlags.None, options.KeepAlive);
    }

    public void Start() => _timer.Change(_dueTime, Timeout.InfiniteTimeSpan);

    private void Elapsed()
    {
        if (_disposed.IsCancellationRequested) return;
        _activation.Enqueue(_tick);
    }

    private async ValueTask TickAsync()
    {
        if (_disposed.IsCancellationRequested) return;
        var generation = Volatile.Read(ref _generation);
        try
        {
            await _callback(_state, _disposed.Token);
        }
        catch (Exception exception) when (!_disposed.IsCancellationRequested)
        {
            _logger.LogWarning(exception, "Timer of {GrainId} failed", _activation.GrainId);
        }
        catch (OperationCanceledException)
        {
        }
        // Re-arm only after the tick's turn ends, unless Change re-armed it meanwhile.
        if (!_disposed.IsCancellationRequested && generation == Volatile.Read(ref _generation) && _period != Timeout.InfiniteTimeSpan)
        {
            _timer.Change(_period, Timeout.InfiniteTimeSpan);
        }
    }

    public override void Change(TimeSpan dueTime, TimeSpan period)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        Interlocked.Increment(ref _generation);
        _dueTime = dueTime;
        _period = period;
        _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
    }

    public override void Dispose()
    {
        if (_disposed.IsCancellationRequested) return;
        _disposed.Cancel();
        _timer.Dispose();
        _activation.RemoveTimer(this);
    }
}
