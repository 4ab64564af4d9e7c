using Microsoft.Data.Sqlite;
using Npgsql;

namespace GrainStream.Persistence;

/// <summary>Tells the storage failures a client can be told something useful about from the rest,
/// whichever store failed: SQLite, PostgreSQL or a plain file.</summary>
public static class StorageErrors
{
    private const int SqliteFull = 13; // SQLITE_FULL: "database or disk is full"
    private const string PostgresDiskFull = "53100"; // disk_full
    private const int ENOSPC = 28, EDQUOT = 122; // Linux errno, which .NET's IOException carries as its HResult there
    private const int WindowsDiskFull = unchecked((int)0x80070070), WindowsHandleDiskFull = unchecked((int)0x80070027);

    /// <summary>True when <paramref name="exception"/> (or an exception it wraps) is a store refusing a
    /// write for want of space (the disk or a quota is full). Such a write changed nothing (SQLite and
    /// PostgreSQL roll back; a log append gives back what part it wrote) and succeeds again once space
    /// is freed.</summary>
    public static bool IsFull(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (IsFullItself(e)) return true;
        }
        return false;
    }

    /// <summary>True when <paramref name="exception"/> is SQLite still finding its file locked by
    /// another process (a backup, a shell on the file) after the busy timeout and its retries: the
    /// write changed nothing, and succeeds once the other process lets go.</summary>
    public static bool IsBusy(Exception exception) => exception is SqliteException sqlite && Sqlite.SqliteBusy.IsBusy(sqlite);

    private static bool IsFullItself(Exception exception) => exception switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == SqliteFull,
        // Across Orleans' serializer a PostgresException keeps its message, which starts with its SQL state.
        PostgresException postgres => postgres.SqlState == PostgresDiskFull || postgres.Message.StartsWith(PostgresDiskFull + ":", StringComparison.Ordinal),
        IOException io => io.HResult is ENOSPC or EDQUOT or WindowsDiskFull or WindowsHandleDiskFull,
        _ => false,
    };
}
