using System.Diagnostics;
using System.Runtime.InteropServices;

namespace GrainStream.Bench;

/// <summary>Open-loop pacing: a dedicated thread hands out permits at a fixed rate, in small steps
/// (about every 100 µs on Linux) so that calls are not issued in millisecond-sized bursts. Workers
/// await a permit before each call; with enough workers the rate, not the latency, sets the pace.</summary>
public sealed class Pacer : IDisposable
{
    private readonly SemaphoreSlim _permits = new(0, int.MaxValue);
    private readonly double _ratePerSecond;
    private readonly Thread _thread;
    private volatile bool _stopped;
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

    public Task WaitAsync() => _permits.WaitAsync();

    private void Run()
    {
        var start = Stopwatch.GetTimestamp();
        while (!_stopped)
        {
            var due = (long)(Stopwatch.GetElapsedTime(start).TotalSeconds * _ratePerSecond) - _released;
            if (due > 0)
            {
                _permits.Release((int)Math.Min(due, int.MaxValue / 4));
                Interlocked.Add(ref _released, due);
            }
            SleepBriefly();
        }
    }

    private static void SleepBriefly()
    {
        if (OperatingSystem.IsLinux()) _ = NativeSleep.usleep(100);
        else Thread.Sleep(1);
    }

    /// <summary>Stops pacing and lets every waiting worker go, so they can see that the run ended.</summary>
    public void Dispose()
    {
        _stopped = true;
        _thread.Join();
        _permits.Release(1_000_000);
    }

    private static class NativeSleep
    {
        [DllImport("libc", SetLastError = false)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int usleep(uint microseconds);
    }
}
