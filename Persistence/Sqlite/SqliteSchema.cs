namespace GrainStream.Persistence.Sqlite;

/// <summary>The tables the providers use. Every statement is idempotent, so any number of
/// <see cref="SqliteDatabase"/> instances (or processes) may run it against one file.</summary>
internal static class SqliteSchema
{
    public const string Create = """
        CREATE TABLE IF NOT EXISTS grain_state (
            grain_type TEXT NOT NULL,
            grain_key TEXT NOT NULL,
            state_name TEXT NOT NULL,
            etag TEXT NOT NULL,
            data BLOB NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (grain_type, grain_key, state_name));

        -- Small rows looked up by key on every append: WITHOUT ROWID saves the extra index hop.
        -- A stream's last sequence is its newest event's; last_seq holds it as of the last trim, for
        -- a stream left without events (see SqliteEventLog).
        CREATE TABLE IF NOT EXISTS stream_log (
            stream_ns TEXT NOT NULL,
            stream_key TEXT NOT NULL,
            epoch INTEGER NOT NULL,
            first_seq INTEGER NOT NULL,
            last_seq INTEGER NOT NULL,
            PRIMARY KEY (stream_ns, stream_key)) WITHOUT ROWID;

        -- Lets a starting database find the largest epoch without scanning every stream, so new
        -- epochs stay above old ones even if the clock went backwards between runs.
        CREATE INDEX IF NOT EXISTS stream_log_by_epoch ON stream_log (epoch);

        CREATE TABLE IF NOT EXISTS stream_event (
            stream_ns TEXT NOT NULL,
            stream_key TEXT NOT NULL,
            seq INTEGER NOT NULL,
            event_name TEXT NOT NULL,
            ts INTEGER NOT NULL,
            payload BLOB NOT NULL,
            PRIMARY KEY (stream_ns, stream_key, seq)) WITHOUT ROWID;

        -- Orleans' reminders. grain_hash is the grain's uniform hash (a uint, so never negative):
        -- each silo reads the reminders of its range of the hash ring, through the index.
        -- start_at is in UTC ticks, period in ticks.
        CREATE TABLE IF NOT EXISTS reminder (
            grain_id TEXT NOT NULL,
            reminder_name TEXT NOT NULL,
            grain_hash INTEGER NOT NULL,
            start_at INTEGER NOT NULL,
            period INTEGER NOT NULL,
            etag TEXT NOT NULL,
            PRIMARY KEY (grain_id, reminder_name));

        CREATE INDEX IF NOT EXISTS reminder_by_hash ON reminder (grain_hash);

        -- One row, rewritten by readiness checks to prove that the file takes writes.
        CREATE TABLE IF NOT EXISTS health_probe (
            id INTEGER PRIMARY KEY,
            written_at INTEGER NOT NULL);
        """;

    public const string ProbeWrite = "INSERT OR REPLACE INTO health_probe (id, written_at) VALUES (1, CAST(strftime('%s', 'now') AS INTEGER))";

    public const string LargestEpoch = "SELECT COALESCE(MAX(epoch), 0) FROM stream_log";
}
