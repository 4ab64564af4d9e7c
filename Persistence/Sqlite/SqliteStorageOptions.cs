namespace GrainStream.Persistence.Sqlite;

/// <summary>Where the SQLite database lives and how the providers use it. The values are read once,
/// when a <see cref="SqliteDatabase"/> is created.</summary>
public sealed class SqliteStorageOptions
{
    /// <summary>The default of <see cref="WalSizeLimit"/>: 64 MiB.</summary>
    public const long DefaultWalSizeLimit = 64L * 1024 * 1024;

    /// <summary>The Microsoft.Data.Sqlite connection string; default <c>Data Source=./data/grainstream.db</c>
    /// (relative to the working directory). Pooling is always turned off: <see cref="SqliteDatabase"/>
    /// keeps its own connections so that each is configured once.</summary>
    public string ConnectionString { get; set; } = "Data Source=./data/grainstream.db";

    /// <summary>When commits reach the disk; default <see cref="SqliteSynchronousMode.Full"/> (an
    /// acknowledged write survives power loss). <see cref="SqliteSynchronousMode.Normal"/> may lose the
    /// writes acknowledged during the last <see cref="SyncInterval"/> on power loss; a process crash
    /// loses nothing in either mode.</summary>
    public SqliteSynchronousMode Synchronous { get; set; } = SqliteSynchronousMode.Full;

    /// <summary>With <see cref="SqliteSynchronousMode.Normal"/>, the longest an acknowledged write
    /// waits before the write-ahead log is synced to disk (SQLite alone syncs it only when it
    /// checkpoints, which a quiet database may not do for hours); default 200 ms. Not used with
    /// <see cref="SqliteSynchronousMode.Full"/>, where every commit is synced before it is acknowledged.</summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a connection waits for another connection's write lock (the SQLite
    /// <c>busy_timeout</c>) before an attempt fails; default 5 seconds. Writers inside one
    /// <see cref="SqliteDatabase"/> never wait on each other this way, only on other instances or processes.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The size in bytes the write-ahead log is kept to; default 64 MiB. It is SQLite's
    /// <c>journal_size_limit</c> (the WAL file is cut back to it when SQLite starts it over), and when a
    /// burst of writes outruns the background checkpoints and the WAL grows past it, the writer
    /// checkpoints it completely before the next write (see <see cref="SqliteDatabase"/>).</summary>
    public long WalSizeLimit { get; set; } = DefaultWalSizeLimit;

    /// <summary>Whether to create the folder of the database file when it is missing; default true.</summary>
    public bool CreateDirectory { get; set; } = true;
}
