using Microsoft.Data.Sqlite;
using Npgsql;

namespace GrainStream.Persistence;

/// <summary>Tells a write refused for want of space (the disk or a quota is full) from other storage
/// failures, whichever store refused it: SQLite, PostgreSQL or a plain file. Such a write changed
/// nothing (SQLite and PostgreSQL roll back; a log append gives back what part it wrote), and it
/// succeeds again once space is freed, so it deserves its own answer rather than a generic fault.</summary>
public static class StorageFull
{
    private const int SqliteFull = 13; // SQLITE_FULL: "database or disk is full"
    private const string PostgresDiskFull = "53100"; // disk_full
    private const int ENOSPC = 28, EDQUOT = 122; // Linux errno, which .NET's IOException carries as its HResult there
    private const int WindowsDiskFull = unchecked((int)0x80070070), WindowsHandleDiskFull = unchecked((int)0x80070027);

    /// <summary>True when <paramref name="exception"/> (or an exception it wraps) is a store refusing a write for want of space.</summary>
    public static bool Is(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (IsItself(e)) return true;
        }
        return false;
    }

    private static bool IsItself(Exception exception) => exception switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == SqliteFull,
        // Across Orleans' serializer a PostgresException keeps its message, which starts with its SQL state.
        PostgresException postgres => postgres.SqlState == PostgresDiskFull || postgres.Message.StartsWith(PostgresDiskFull + ":", StringComparison.Ordinal),
        IOException io => io.HResult is ENOSPC or EDQUOT or WindowsDiskFull or WindowsHandleDiskFull,
        _ => false,
    };
}
