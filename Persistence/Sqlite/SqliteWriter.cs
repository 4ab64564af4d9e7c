using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace GrainStream.Persistence.Sqlite;

/// <summary>The single writer connection of a <see cref="SqliteDatabase"/> and its group commit:
/// writes queue up, and whichever thread finds the writer idle runs everything queued so far in one
/// transaction, each write inside a savepoint of its own so that one failing write rolls back only
/// itself. Under load many grains' writes share one commit, and so (with <c>synchronous=FULL</c>) one
/// sync of the WAL; alone, a write runs at once on its caller's thread and returns a completed task.</summary>
/// <remarks>
/// <para>Callers waiting behind the running group are completed on the writer's thread (their
/// continuations are posted to their grains' contexts, or run inline after ConfigureAwait(false)),
/// so a queued write costs no thread-pool hop. One thread keeps the writer for at most
/// <see cref="Budget"/>; what is queued after that continues on a pool thread.</para>
/// <para>The writer does not checkpoint the WAL itself (<c>wal_autocheckpoint = 0</c>): a checkpoint
/// syncs the file and would stall every write queued behind it for milliseconds. Every
/// <see cref="CheckpointInterval"/> writes, a passive checkpoint runs on a connection of its own
/// in the background, concurrently with the writes. A passive checkpoint never starts the WAL over
/// (SQLite does that only when a write finds every frame copied, which steady writes never let
/// happen), and a burst of large writes (or readers that keep old snapshots) can outrun it; after
/// each group the writer therefore looks at the WAL file's size, and once it is past the limit,
/// checkpoints it completely and starts it over from its beginning (<c>RESTART</c>) before the next
/// group; the commit after that cuts the file back to <c>journal_size_limit</c>. That blocks this
/// instance's writes for the length of the checkpoint: backpressure, rather than a WAL that grows
/// without bound. Not <c>TRUNCATE</c>: cutting a 64 MiB file to nothing took ~70 ms on an ext4 disk
/// mounted with <c>discard</c> (every write of a sustained 1,000 posts/s stalled that long every 8 s),
/// a restart ~10 ms. If the checkpoint cannot finish (a reader held on for the whole busy timeout),
/// the writer carries on and tries again a second later.</para>
/// </remarks>
internal sealed class SqliteWriter : IDisposable
{
    /// <summary>Writes between background checkpoints; about SQLite's default of 1,000 WAL pages for small writes.</summary>
    public const int CheckpointInterval = 256;

    private const int MaxGroupSize = 256;
    private const string Begin = "BEGIN IMMEDIATE";
    private const string Commit = "COMMIT";
    private const string Rollback = "ROLLBACK";
    private const string Savepoint = "SAVEPOINT w";
    private const string Release = "RELEASE w";
    private const string RollbackToSavepoint = "ROLLBACK TO w";
    private const string RestartWal = "PRAGMA wal_checkpoint(RESTART)";

    private static readonly long Budget = Stopwatch.Frequency / 1000; // 1 ms
    private static readonly long RestartRetryDelay = Stopwatch.Frequency; // 1 s

    private readonly ConcurrentQueue<WriteRequest> _queue = new();
    private readonly List<WriteRequest> _group = [];
    private readonly SqliteSession _session;
    private readonly Func<SqliteConnection> _openConnection;
    private readonly WaitCallback _continueOnPool;
    private readonly string? _walPath;
    private readonly long _walSizeLimit;
    private readonly SqliteWalFlusher? _flusher;
    private long _nextRestartAttempt;
    private SqliteSession? _checkpointer;
    private int _writing;
    private int _checkpointing;
    private int _writesSinceCheckpoint;
    private volatile bool _disposed;

    /// <summary>Writes through <paramref name="session"/>; background checkpoints open their connection
    /// with <paramref name="openConnection"/>. The WAL is checkpointed completely whenever it grows past
    /// <paramref name="walSizeLimit"/> bytes. With a <paramref name="syncInterval"/> (for a session that
    /// does not sync its commits, <c>synchronous=NORMAL</c>) the WAL is synced that long after a commit at
    /// the latest (see <see cref="SqliteWalFlusher"/>), on <paramref name="time"/>'s timers.</summary>
    public SqliteWriter(SqliteSession session, Func<SqliteConnection> openConnection, long walSizeLimit, TimeSpan? syncInterval = null, TimeProvider? time = null)
    {
        _session = session;
        _openConnection = openConnection;
        _walSizeLimit = walSizeLimit;
        _continueOnPool = _ => Drain();
        session.Command("PRAGMA wal_autocheckpoint = 0").ExecuteNonQuery();
        // The WAL sits next to the database as <file>-wal; an in-memory or temporary database has no file.
        var file = raw.sqlite3_db_filename(session.Connection.Handle, "main").utf8_to_string();
        _walPath = string.IsNullOrEmpty(file) ? null : file + "-wal";
        if (syncInterval is { } interval && _walPath is not null) _flusher = new SqliteWalFlusher(_walPath, interval, time ?? TimeProvider.System);
    }

    /// <summary>The WAL file's path, or null when the database has no file.</summary>
    public string? WalPath => _walPath;

    /// <summary>The WAL's periodic sync when commits are not synced one by one; otherwise null.</summary>
    public SqliteWalFlusher? Flusher => _flusher;

    /// <summary>Runs <paramref name="work"/> in a write transaction, after every write queued before
    /// it, possibly together with others; the result is its return value, or its exception.</summary>
    public Task<T> WriteAsync<T>(Func<SqliteSession, T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var request = new WriteRequest<T>(work, cancellationToken);
        _queue.Enqueue(request);
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0) Drain();
        else if (_disposed) FailQueued();
        return request.Task;
    }

    /// <summary>Runs groups until the queue is empty or the budget is spent; the caller holds <see cref="_writing"/>.</summary>
    private void Drain()
    {
        var deadline = Stopwatch.GetTimestamp() + Budget;
        while (true)
        {
            while (!_disposed && TakeGroup())
            {
                RunGroup();
                if (Stopwatch.GetTimestamp() > deadline && !_queue.IsEmpty)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(_continueOnPool, null);
                    return;
                }
            }
            if (_disposed)
            {
                // Dispose waits for the writer to be free; leave it taken so that nothing writes again.
                FailQueued();
                Volatile.Write(ref _writing, 2);
                return;
            }
            // A full fence, not a volatile write: the emptiness check must not move before the reset,
            // or a write queued in between would find the writer taken and wait forever.
            Interlocked.Exchange(ref _writing, 0);
            if (_queue.IsEmpty || Interlocked.CompareExchange(ref _writing, 1, 0) != 0) return;
        }
    }

    private bool TakeGroup()
    {
        _group.Clear();
        while (_group.Count < MaxGroupSize && _queue.TryDequeue(out var request))
        {
            if (request.CancellationToken.IsCancellationRequested) request.Fail(new OperationCanceledException(request.CancellationToken));
            else _group.Add(request);
        }
        return _group.Count > 0;
    }

    private void RunGroup()
    {
        try
        {
            SqliteBusy.Retry(() => InTransaction(_session, _group, RunGroupBody), CancellationToken.None);
            _flusher?.Committed();
            foreach (var request in _group) request.Complete();
        }
        catch (Exception exception)
        {
            // Nothing of the group was committed.
            foreach (var request in _group) request.Fail(exception);
        }
        var done = _group.Count;
        _group.Clear();
        if (WalIsOverLimit()) RestartWalNow();
        else if ((_writesSinceCheckpoint += done) >= CheckpointInterval) StartCheckpoint();
    }

    private bool WalIsOverLimit()
    {
        if (_walPath is null || Stopwatch.GetTimestamp() < _nextRestartAttempt) return false;
        // A stat: no handle to open and close after every group.
        var wal = new FileInfo(_walPath);
        return wal.Exists && wal.Length > _walSizeLimit;
    }

    /// <summary>Checkpoints the whole WAL and starts it over, on the writer's connection and thread, so
    /// that no write of this instance adds to it meanwhile.</summary>
    private void RestartWalNow()
    {
        // A background checkpoint in progress would make this one fail at once; it is copying the WAL
        // already, so look again after the next group. Holding the flag keeps a new one from starting.
        if (Interlocked.CompareExchange(ref _checkpointing, 1, 0) != 0) return;
        var completed = false;
        try
        {
            var restart = _session.Statement(RestartWal);
            try
            {
                // One row: busy (1 when a reader or writer kept it from finishing), WAL frames, frames checkpointed.
                completed = restart.Read() && restart.GetInt64(0) == 0;
            }
            finally
            {
                restart.Reset();
            }
        }
        catch (SqliteException)
        {
            // Busy or failing: the writes go on, and the WAL is checked again after the delay.
        }
        finally
        {
            Volatile.Write(ref _checkpointing, 0);
        }
        if (completed)
        {
            _writesSinceCheckpoint = 0;
            _nextRestartAttempt = 0;
        }
        else
        {
            _nextRestartAttempt = Stopwatch.GetTimestamp() + RestartRetryDelay;
        }
    }

    private static bool RunGroupBody(SqliteSession session, List<WriteRequest> group)
    {
        // A single write needs no savepoint: its failure is the transaction's.
        if (group.Count == 1)
        {
            group[0].Run(session);
        }
        else
        {
            foreach (var request in group) RunInSavepoint(session, request);
        }
        return true;
    }

    /// <summary>Runs <paramref name="work"/> in a transaction on <paramref name="session"/> and commits unless it throws.</summary>
    public static T InTransaction<TState, T>(SqliteSession session, TState state, Func<SqliteSession, TState, T> work)
    {
        // BEGIN IMMEDIATE takes the write lock up front, so a transaction that reads before it writes
        // cannot fail halfway because another connection wrote in between. The statements are issued
        // through the session's prepared statements rather than SqliteTransaction, which prepares BEGIN
        // and COMMIT anew every time: that is over 10% of a one-event append.
        session.Statement(Begin).Execute();
        try
        {
            var result = work(session, state);
            session.Statement(Commit).Execute();
            return result;
        }
        catch
        {
            // Some errors (and a failed COMMIT) leave the transaction open, others have already rolled it back.
            if (raw.sqlite3_get_autocommit(session.Connection.Handle) == 0) session.Statement(Rollback).Execute();
            throw;
        }
    }

    private static void RunInSavepoint(SqliteSession session, WriteRequest request)
    {
        session.Statement(Savepoint).Execute();
        try
        {
            request.Run(session);
        }
        catch (Exception exception) when (!(exception is SqliteException sqlite && SqliteBusy.IsBusy(sqlite))
            && raw.sqlite3_get_autocommit(session.Connection.Handle) == 0)
        {
            // The write's own failure (a conflict, bad data): undo it alone, the others go on.
            session.Statement(RollbackToSavepoint).Execute();
            request.Failed(exception);
        }
        session.Statement(Release).Execute();
    }

    private void StartCheckpoint()
    {
        if (Interlocked.CompareExchange(ref _checkpointing, 1, 0) != 0) return;
        _writesSinceCheckpoint = 0;
        ThreadPool.UnsafeQueueUserWorkItem(static writer => writer.Checkpoint(), this, preferLocal: false);
    }

    private void Checkpoint()
    {
        try
        {
            if (_disposed) return;
            _checkpointer ??= new SqliteSession(_openConnection());
            // PASSIVE copies what it can without waiting for readers or the writer.
            _checkpointer.Command("PRAGMA wal_checkpoint(PASSIVE)").ExecuteNonQuery();
        }
        catch (Exception)
        {
            // Busy, failed or closing: the WAL only grows until the next attempt.
        }
        finally
        {
            Volatile.Write(ref _checkpointing, 0);
        }
    }

    private void FailQueued()
    {
        while (_queue.TryDequeue(out var request)) request.Fail(new ObjectDisposedException(nameof(SqliteDatabase)));
    }

    /// <summary>Waits for the group in progress, fails what is queued and closes the connections.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        var spinner = new SpinWait();
        while (Interlocked.CompareExchange(ref _writing, 2, 0) is 1) spinner.SpinOnce();
        FailQueued();
        _session.Dispose();
        spinner.Reset();
        while (Interlocked.CompareExchange(ref _checkpointing, 1, 0) != 0) spinner.SpinOnce();
        _checkpointer?.Dispose();
        _flusher?.Dispose();
    }

    private abstract class WriteRequest
    {
        private Exception? _error;

        public abstract CancellationToken CancellationToken { get; }

        /// <summary>Runs the work inside the open transaction; throws what it throws.</summary>
        public void Run(SqliteSession session)
        {
            _error = null;
            Execute(session);
        }

        /// <summary>The work failed alone and was rolled back to its savepoint.</summary>
        public void Failed(Exception exception) => _error = exception;

        /// <summary>The transaction committed: the work's result, or its own failure.</summary>
        public void Complete()
        {
            if (_error is { } error) Fail(error);
            else Succeed();
        }

        public abstract void Fail(Exception exception);

        protected abstract void Execute(SqliteSession session);

        protected abstract void Succeed();
    }

    // Continuations run on the writer's thread (see the class remarks).
    private sealed class WriteRequest<T>(Func<SqliteSession, T> work, CancellationToken cancellationToken) : WriteRequest
    {
        private readonly TaskCompletionSource<T> _completion = new();
        private T? _result;

        public Task<T> Task => _completion.Task;

        public override CancellationToken CancellationToken => cancellationToken;

        protected override void Execute(SqliteSession session) => _result = work(session);

        protected override void Succeed() => _completion.TrySetResult(_result!);

        public override void Fail(Exception exception)
        {
            if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested) _completion.TrySetCanceled(cancellationToken);
            else _completion.TrySetException(exception);
        }
    }
}
