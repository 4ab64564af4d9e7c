using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace GrainStream.Persistence.Sqlite;

/// <summary>One SQLite database file as the providers use it: creates the schema (once, on first
/// use), serialises writes and lends out connections. Share one instance between the
/// <see cref="SqliteGrainStorage"/>, <see cref="SqliteReminderTable"/> and <see cref="SqliteEventLog"/>
/// of a silo, so that all their writes go through one writer.</summary>
/// <remarks>
/// <para>SQLite lets one connection write at a time. Rather than let concurrent grains collide on the
/// file lock (SQLITE_BUSY), every write of this instance runs on a single writer connection, and
/// writes that queue up meanwhile share one transaction (group commit, see <see cref="SqliteWriter"/>).
/// Reads run on their own connections: in WAL mode they proceed while a write is in progress and
/// see the last committed state.</para>
/// <para>Several instances (silos of a test cluster, or other processes) may share one file. Their
/// writers contend on SQLite's own lock; a waiting writer blocks up to
/// <see cref="SqliteStorageOptions.BusyTimeout"/> and a failed attempt is retried a few times.</para>
/// <para>Every connection is configured once when opened: <c>journal_mode=WAL</c>, <c>synchronous</c>
/// from <see cref="SqliteStorageOptions.Synchronous"/> (default <c>FULL</c>: a commit is synced before
/// it is acknowledged, and group commit makes the writes queued together share that sync),
/// <c>journal_size_limit</c> and <c>busy_timeout</c>; a new file is created with <c>auto_vacuum=INCREMENTAL</c>. The WAL is checkpointed in the background rather
/// than by the commit that fills it, and completely by the writer when it outgrows
/// <see cref="SqliteStorageOptions.WalSizeLimit"/> (see <see cref="SqliteWriter"/>).</para>
/// <para>Microsoft.Data.Sqlite does its I/O synchronously, so the work of each call runs on the
/// calling thread (or the thread running the write group it joined).</para>
/// </remarks>
public sealed class SqliteDatabase : IDisposable, IAsyncDisposable
{
    // Enough idle readers for the cores to stay busy; any extra opened under a burst are closed on return.
    private static readonly int MaxIdleReaders = Math.Max(4, Environment.ProcessorCount * 2);

    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private readonly ConcurrentBag<SqliteSession> _idleReaders = [];
    private readonly int _busyTimeoutMilliseconds;
    private readonly string _synchronous;
    private readonly long _walSizeLimit;
    private readonly TimeSpan? _syncInterval;
    private readonly TimeProvider _time;
    private readonly bool _createDirectory;
    private int _idleReaderCount;
    private SqliteWriter? _writer;
    private volatile bool _schemaCreated;
    private volatile bool _disposed;

    /// <summary>Prepares to use the database described by <paramref name="options"/>; nothing is
    /// opened until the first call (or <see cref="EnsureCreatedAsync"/>). <paramref name="time"/>
    /// runs the WAL's periodic sync in <see cref="SqliteSynchronousMode.Normal"/> mode (default: the system clock).</summary>
    public SqliteDatabase(SqliteStorageOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString, "options.ConnectionString");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BusyTimeout, TimeSpan.Zero, "options.BusyTimeout");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WalSizeLimit, 1, "options.WalSizeLimit");
        // Timeout.InfiniteTimeSpan (-1 ms) is refused with the other non-positive intervals.
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.SyncInterval, TimeSpan.Zero, "options.SyncInterval");
        _synchronous = options.Synchronous switch
        {
            SqliteSynchronousMode.Full => "FULL",
            SqliteSynchronousMode.Normal => "NORMAL",
            _ => throw new ArgumentOutOfRangeException("options.Synchronous", options.Synchronous, "Synchronous must be Full or Normal."),
        };
        _walSizeLimit = options.WalSizeLimit;
        _syncInterval = options.Synchronous == SqliteSynchronousMode.Normal ? options.SyncInterval : null;
        _time = time ?? TimeProvider.System;
        _busyTimeoutMilliseconds = (int)Math.Min(options.BusyTimeout.TotalMilliseconds, int.MaxValue);
        _createDirectory = options.CreateDirectory;
        ConnectionString = new SqliteConnectionStringBuilder(options.ConnectionString)
        {
            // This class keeps its connections open itself; the driver's pool would hand back
            // connections without telling whether they were already configured.
            Pooling = false,
            // Microsoft.Data.Sqlite also retries busy statements until its command timeout (seconds);
            // keep that in line with busy_timeout so one attempt waits about BusyTimeout in all.
            DefaultTimeout = (int)Math.Clamp(Math.Ceiling(options.BusyTimeout.TotalSeconds), 1, int.MaxValue),
        }.ToString();
    }

    /// <summary>The connection string the connections are opened with (the configured one, with pooling off).</summary>
    public string ConnectionString { get; }

    /// <summary>The path of the write-ahead log file once the schema is created; null before, or
    /// when the database has no file (in memory).</summary>
    internal string? WalPath => _writer?.WalPath;

    /// <summary>Commits not yet known to be on disk (<see cref="SqliteSynchronousMode.Normal"/> only; 0 otherwise).</summary>
    internal long UnsyncedCommits => _writer?.Flusher?.Unsynced ?? 0;


    /// <summary>Creates the folder (if configured), the file and the tables unless done already.
    /// Calls do this on first use; call it at startup to fail early on a bad path.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        if (_schemaCreated) return;
        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schemaCreated) return;
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_createDirectory) CreateDirectoryOfFile();
            var session = new SqliteSession(OpenConnection());
            try
            {
                var largestEpoch = SqliteBusy.Retry(() => SqliteWriter.InTransaction(session, 0, static (schema, _) =>
                {
                    schema.Command(SqliteSchema.Create).ExecuteNonQuery();
                    return (long)schema.Command(SqliteSchema.LargestEpoch).ExecuteScalar()!;
                }), cancellationToken);
                StreamEpochs.KeepAbove(largestEpoch);
                _writer = new SqliteWriter(session, OpenConnection, _walSizeLimit, _syncInterval, _time);
            }
            catch
            {
                session.Dispose();
                throw;
            }
            _schemaCreated = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    /// <summary>Opens a new connection configured like the providers' own (WAL, the configured
    /// synchronous mode, WAL size limit, busy timeout), for tools and tests. The caller disposes it; it
    /// does not create the schema.</summary>
    public SqliteConnection OpenConnection()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            connection.Open();
            using var configure = connection.CreateCommand();
            // busy_timeout first, so that switching the file to WAL waits for other connections.
            // auto_vacuum before WAL: switching a new file to WAL writes its header, after which the
            // vacuum mode is fixed; on an existing file it changes nothing (see ReclaimFreePagesAsync).
            configure.CommandText = $"PRAGMA busy_timeout = {_busyTimeoutMilliseconds}; PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL; PRAGMA synchronous = {_synchronous}; PRAGMA journal_size_limit = {_walSizeLimit};";
            configure.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> in a write transaction on the writer connection, after
    /// every earlier write of this instance and possibly in one commit with others queued beside it
    /// (a failure of one rolls back only its own changes). Retried from the start when another
    /// instance held the lock too long, so it must be repeatable.</summary>
    internal Task<T> WriteAsync<T>(Func<SqliteSession, T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _schemaCreated ? _writer!.WriteAsync(work, cancellationToken) : WriteAfterSchemaAsync(work, cancellationToken);
    }

    private async Task<T> WriteAfterSchemaAsync<T>(Func<SqliteSession, T> work, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return await _writer!.WriteAsync(work, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Completes once a one-row write has been committed through the writer, like any other
    /// write (after those queued before it, with the configured sync); fails when the file does not
    /// take writes (locked by another process past the busy timeout, read-only, disk full or gone).
    /// For readiness checks. Like every write it runs on the calling thread when the writer is idle.</summary>
    public Task ProbeWriteAsync(CancellationToken cancellationToken = default)
        => WriteAsync(static session => session.Command(SqliteSchema.ProbeWrite).ExecuteNonQuery(), cancellationToken);

    /// <summary>Hands up to <paramref name="maxPages"/> free pages (left by deleted rows) back to the
    /// file system, shrinking the file, as one short write through the writer. Does nothing unless the
    /// file was created with <c>auto_vacuum=INCREMENTAL</c>, as this class creates new files; a file
    /// created before keeps its free pages for reuse until it is rebuilt once, offline, with
    /// <c>PRAGMA auto_vacuum=INCREMENTAL; VACUUM;</c> (a VACUUM rewrites the whole file, so it is not
    /// run here behind the writes). Called after the event log trims a stream.</summary>
    /// <returns>The free pages left (0 when all were handed back, or the file does not vacuum incrementally
    /// and so keeps them for reuse).</returns>
    public Task<long> ReclaimFreePagesAsync(int maxPages, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPages, 1);
        return WriteAsync(session =>
        {
            // Each step frees a page: it is stepped until done, not just run once.
            var vacuum = session.Statement($"PRAGMA incremental_vacuum({maxPages})");
            try
            {
                while (vacuum.Read())
                {
                }
            }
            finally
            {
                vacuum.Reset();
            }
            var count = session.Statement("PRAGMA freelist_count");
            try
            {
                return count.Read() && session.Statement("PRAGMA auto_vacuum") is var mode && ModeIsIncremental(mode) ? count.GetInt64(0) : 0L;
            }
            finally
            {
                count.Reset();
            }
        }, cancellationToken);
    }

    private static bool ModeIsIncremental(SqliteStatement autoVacuum)
    {
        try
        {
            return autoVacuum.Read() && autoVacuum.GetInt64(0) == 2;
        }
        finally
        {
            autoVacuum.Reset();
        }
    }

    /// <summary>Runs <paramref name="work"/> on a reader connection. A single statement sees one
    /// committed state; work that runs several statements and needs them consistent must open a
    /// transaction itself.</summary>
    internal async Task<T> ReadAsync<T>(Func<SqliteSession, T> work, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var reader = RentReader();
        T result;
        try
        {
            result = SqliteBusy.Retry(() => work(reader), cancellationToken);
        }
        catch
        {
            // The connection may be left mid-statement; do not lend it out again.
            reader.Dispose();
            throw;
        }
        ReturnReader(reader);
        return result;
    }

    private void CreateDirectoryOfFile()
    {
        var builder = new SqliteConnectionStringBuilder(ConnectionString);
        var dataSource = builder.DataSource;
        var inMemory = builder.Mode == SqliteOpenMode.Memory || dataSource.Length == 0 || dataSource == ":memory:";
        // A file: URI names its path in URI syntax; leave it to whoever wrote it.
        if (inMemory || dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return;
        var directory = Path.GetDirectoryName(Path.GetFullPath(dataSource));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
    }

    private SqliteSession RentReader()
    {
        if (_idleReaders.TryTake(out var reader))
        {
            Interlocked.Decrement(ref _idleReaderCount);
            return reader;
        }
        return new SqliteSession(OpenConnection());
    }

    private void ReturnReader(SqliteSession reader)
    {
        if (_disposed)
        {
            reader.Dispose();
            return;
        }
        if (Interlocked.Increment(ref _idleReaderCount) > MaxIdleReaders)
        {
            Interlocked.Decrement(ref _idleReaderCount);
            reader.Dispose();
            return;
        }
        _idleReaders.Add(reader);
        // Dispose may have drained the bag between the check above and the Add.
        if (_disposed) CloseIdleReaders();
    }

    private void CloseIdleReaders()
    {
        while (_idleReaders.TryTake(out var reader)) reader.Dispose();
    }

    /// <summary>Waits for the write in progress, then closes every connection.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _schemaGate.Wait();
        try
        {
            _writer?.Dispose();
            _writer = null;
        }
        finally
        {
            _schemaGate.Release();
        }
        CloseIdleReaders();
    }

    /// <summary>Waits for the write in progress, then closes every connection.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
