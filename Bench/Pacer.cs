using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace GrainStream.Bench;

/// <summary>Open-loop pacing: a dedicated thread hands out permits at a fixed rate, in small steps
/// (about every 200 µs on Linux) so that calls are not issued in millisecond-sized bursts. Workers
/// await a permit before each call; with enough workers the rate, not the latency, sets the pace.
/// Each worker waits with its own reusable <see cref="Waiter"/>, so pacing allocates nothing.</summary>
public sealed class Pacer : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Queue<Waiter> _waiting = new();
    private readonly double _ratePerSecond;
    private readonly Thread _thread;
    private volatile bool _stopped;
    private long _available;
    private long _released;

    public Pacer(double ratePerSecond)
    {
        _ratePerSecond = ratePerSecond;
        _thread = new Thread(Run) { IsBackground = true, Name = "pacer", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    public double RatePerSecond => _ratePerSecond;

    /// <summary>Permits handed out so far.</summary>
    public long Released => Interlocked.Read(ref _released);

    /// <summary>Completes when a permit is available (at once when one is, or the pacer stopped).</summary>
    public ValueTask WaitAsync(Waiter waiter)
    {
        lock (_lock)
        {
            if (_available > 0 || _stopped)
            {
                _available--;
                return default;
            }
            waiter.Reset();
            _waiting.Enqueue(waiter);
        }
        return new ValueTask(waiter, waiter.Version);
    }

    private void Release(long count)
    {
        // Woken outside the lock: a continuation may run inline and wait again.
        List<Waiter>? woken = null;
        lock (_lock)
        {
            while (count > 0 && _waiting.TryDequeue(out var waiter))
            {
                (woken ??= []).Add(waiter);
                count--;
            }
            _available += count;
        }
        if (woken is null) return;
        foreach (var waiter in woken) waiter.Signal();
    }

    private void Run()
    {
        var start = Stopwatch.GetTimestamp();
        while (!_stopped)
        {
            var due = (long)(Stopwatch.GetElapsedTime(start).TotalSeconds * _ratePerSecond) - _released;
            if (due > 0)
            {
                Release(due);
                Interlocked.Add(ref _released, due);
            }
            SleepBriefly();
        }
    }

    private static void SleepBriefly()
    {
        if (OperatingSystem.IsLinux()) _ = NativeSleep.usleep(200);
        else Thread.Sleep(1);
    }

    /// <summary>Stops pacing and lets every waiting worker go, so they can see that the run ended.</summary>
    public void Dispose()
    {
        _stopped = true;
        _thread.Join();
        Release(int.MaxValue);
    }

    /// <summary>One worker's reusable wait; a worker waits for one permit at a time.</summary>
    public sealed class Waiter : IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

        internal short Version => _core.Version;

        internal void Reset() => _core.Reset();

        internal void Signal() => _core.SetResult(true);

        void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

        ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

        void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
            => _core.OnCompleted(continuation, state, token, flags);
    }

    private static class NativeSleep
    {
        [DllImport("libc", SetLastError = false)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int usleep(uint microseconds);
    }
}
