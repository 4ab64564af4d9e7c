using Microsoft.Data.Sqlite;

namespace GrainStream.Persistence.Sqlite;

/// <summary>Bounded retries of work that failed because another connection held a lock longer than
/// the busy timeout. Inside one <see cref="SqliteDatabase"/> writes never contend (they queue on its
/// writer, see <see cref="SqliteWriter"/>); this covers several instances or processes sharing a file.</summary>
internal static class SqliteBusy
{
    /// <summary>Attempts per operation: each attempt already waited the busy timeout, so a few suffice.</summary>
    public const int MaxAttempts = 3;

    /// <summary>SQLITE_BUSY (another connection holds the lock) and SQLITE_LOCKED (a conflict within a shared cache).</summary>
    public static bool IsBusy(SqliteException exception) => exception.SqliteErrorCode is 5 or 6;

    /// <summary>Runs <paramref name="work"/> until it does not fail with busy, at most <see cref="MaxAttempts"/> times.
    /// The work must be safe to repeat: a failed attempt has rolled back.</summary>
    public static T Retry<T>(Func<T> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return work();
            }
            catch (SqliteException exception) when (IsBusy(exception) && attempt < MaxAttempts)
            {
            }
        }
    }
}
