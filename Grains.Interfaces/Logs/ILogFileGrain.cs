namespace GrainStream.Grains.Logs;

/// <summary>Tails one file under the log root (key: the file name) and is its single writer for
/// appends through the API. Lines written by any program appear as <c>line</c> events.</summary>
public interface ILogFileGrain : IGrainWithStringKey
{
    /// <summary>Appends lines (each without line breaks) to the file; returns how many.</summary>
    Task<int> Append(IReadOnlyList<string> lines);

    /// <summary>Starts watching the file if not already, for a tail that subscribes to the file's
    /// stream next. When the grain has never read the file and it is longer than
    /// <c>Logs:InitialReadBytes</c>, reading starts at its last <paramref name="tail"/> lines rather
    /// than at its start. The watch stops once the stream has had no subscriber for <c>Logs:WatchIdleTimeout</c>.</summary>
    Task EnsureWatching(int tail = 0);

    /// <summary>Where the tail stands.</summary>
    [ReadOnly]
    Task<LogFileStatus> GetStatus();
}
