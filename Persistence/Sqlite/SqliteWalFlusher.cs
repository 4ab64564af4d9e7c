namespace GrainStream.Persistence.Sqlite;

/// <summary>Bounds what <c>synchronous=NORMAL</c> can lose. In that mode SQLite syncs the write-ahead
/// log only when it checkpoints, and a quiet database may go without a checkpoint for as long as it
/// stays quiet: an acknowledged write could sit in the page cache for hours. This syncs the WAL file
/// at most <see cref="SqliteStorageOptions.SyncInterval"/> after a commit, so that a power loss loses
/// at most the writes acknowledged during the last interval (a process crash loses nothing: the
/// kernel still writes the pages out).</summary>
/// <remarks>The sync runs on a handle of its own to the WAL file, kept open until the database closes:
/// SQLite's locks are on the database and its shared-memory file, not on the WAL, and an <c>fsync</c>
/// on any handle writes out every dirty page of the file. A commit counts as synced when it finished
/// before the sync began.</remarks>
internal sealed class SqliteWalFlusher : IDisposable
{
    private readonly string _walPath;
    private readonly TimeSpan _interval;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private FileStream? _wal;
    private long _committed;
    private long _synced;
    private int _scheduled;
    private bool _disposed;

    /// <summary>Syncs <paramref name="walPath"/> at most <paramref name="interval"/> after each commit, on <paramref name="time"/>'s timers.</summary>
    public SqliteWalFlusher(string walPath, TimeSpan interval, TimeProvider time)
    {
        _walPath = walPath;
        _interval = interval;
        _timer = time.CreateTimer(static state => ((SqliteWalFlusher)state!).Sync(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Commits acknowledged but not yet known to be on disk.</summary>
    public long Unsynced => Interlocked.Read(ref _committed) - Interlocked.Read(ref _synced);

    /// <summary>A commit finished: the WAL is synced within the interval.</summary>
    public void Committed()
    {
        Interlocked.Increment(ref _committed);
        Schedule();
    }

    /// <summary>Starts the interval unless a sync is already due.</summary>
    private void Schedule()
    {
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0) _timer.Change(_interval, Timeout.InfiniteTimeSpan);
    }

    private void Sync()
    {
        // A commit from here on schedules the next sync; one counted below is in this one.
        Volatile.Write(ref _scheduled, 0);
        var through = Interlocked.Read(ref _committed);
        lock (_gate)
        {
            if (_disposed) return;
            try
            {
                _wal ??= new FileStream(_walPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
                _wal.Flush(flushToDisk: true);
                if (through > Interlocked.Read(ref _synced)) Interlocked.Exchange(ref _synced, through);
                return;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // The file could not be opened or synced: reopen it next time.
                _wal?.Dispose();
                _wal = null;
            }
        }
        // Not synced: try again after another interval.
        Schedule();
    }

    /// <summary>Stops syncing and closes the handle; call once SQLite's connections are closed.</summary>
    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate)
        {
            _disposed = true;
            _wal?.Dispose();
            _wal = null;
        }
    }
}
