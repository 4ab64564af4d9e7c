namespace GrainStream.Sqlite;

/// <summary>Where the SQLite database lives and how the providers use it. The values are read once,
/// when a <see cref="SqliteDatabase"/> is created.</summary>
public sealed class SqliteStorageOptions
{
    /// <summary>The Microsoft.Data.Sqlite connection string; default <c>Data Source=./data/grainstream.db</c>
    /// (relative to the working directory). Pooling is always turned off: <see cref="SqliteDatabase"/>
    /// keeps its own connections so that each is configured once.</summary>
    public string ConnectionString { get; set; } = "Data Source=./data/grainstream.db";

    /// <summary>How long a connection waits for another connection's write lock (the SQLite
    /// <c>busy_timeout</c>) before an attempt fails; default 5 seconds. Writers inside one
    /// <see cref="SqliteDatabase"/> never wait on each other this way, only on other instances or processes.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many events the event log keeps per stream; default 10,000. Older events are
    /// trimmed in bulk, so a log may briefly hold up to a tenth more (see <see cref="SqliteEventLog"/>).</summary>
    public int MaxEventsPerStream { get; set; } = 10_000;

    /// <summary>Whether to create the folder of the database file when it is missing; default true.</summary>
    public bool CreateDirectory { get; set; } = true;
}
