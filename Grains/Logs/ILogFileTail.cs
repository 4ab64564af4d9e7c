namespace GrainStream.Grains.Logs;

/// <summary>The log file grain's own entry for change notifications: watcher callbacks run on
/// other threads, so they call the grain to read the file in a turn.</summary>
internal interface ILogFileTail : IGrainWithStringKey
{
    /// <summary>Reads what was appended since the last read.</summary>
    Task Poll();
}
