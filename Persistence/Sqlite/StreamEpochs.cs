namespace GrainStream.Persistence.Sqlite;

/// <summary>Hands out stream epochs: the current unix time in milliseconds, but always larger than
/// any epoch handed out before in this process or found in a database it opened. So two streams
/// created in the same millisecond, or a stream re-created right after its first incarnation, still
/// get different epochs, and subscribers can tell incarnations apart. Process-wide on purpose:
/// several silos of a test cluster share one process and possibly one file.</summary>
internal static class StreamEpochs
{
    private static long s_largest;

    /// <summary>A new epoch, greater than every epoch seen so far.</summary>
    public static long Next(TimeProvider timeProvider)
    {
        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        while (true)
        {
            var largest = Volatile.Read(ref s_largest);
            var next = Math.Max(now, largest + 1);
            if (Interlocked.CompareExchange(ref s_largest, next, largest) == largest) return next;
        }
    }

    /// <summary>Makes every later epoch greater than <paramref name="epoch"/>.</summary>
    public static void KeepAbove(long epoch)
    {
        while (true)
        {
            var largest = Volatile.Read(ref s_largest);
            if (largest >= epoch || Interlocked.CompareExchange(ref s_largest, epoch, largest) == largest) return;
        }
    }
}
