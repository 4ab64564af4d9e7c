namespace GrainStream.Persistence.Sqlite;

/// <summary>When a commit reaches the disk: SQLite's <c>synchronous</c> setting, in WAL mode. A process
/// crash (kill -9 included) loses no committed write in either mode, and neither can corrupt the file;
/// they differ only on power loss or an operating system crash.</summary>
public enum SqliteSynchronousMode
{
    /// <summary><c>synchronous=FULL</c>: every commit syncs the WAL before it is acknowledged, so an
    /// acknowledged write survives power loss. Group commit lets the writes queued together share that
    /// one sync.</summary>
    Full,

    /// <summary><c>synchronous=NORMAL</c>: commits skip the sync and the WAL reaches the disk only at
    /// checkpoints. Faster, but a power loss may undo the writes committed since the last checkpoint
    /// synced the WAL (acknowledged grain state, events and reminders roll back to that point).</summary>
    Normal,
}
