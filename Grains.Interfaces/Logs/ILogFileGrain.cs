namespace GrainStream.Grains.Logs;

/// <summary>Tails one file under the log root (key: the file name) and is its single writer for
/// appends through the API. Lines written by any program appear as <c>line</c> events.</summary>
public interface ILogFileGrain : IGrainWithStringKey
{
    /// <summary>Appends lines (each without line breaks) to the file; returns how many.</summary>
    Task<int> Append(IReadOnlyList<string> lines);

    /// <summary>Starts watching the file if not already.</summary>
    Task EnsureWatching();

    /// <summary>Where the tail stands.</summary>
    [ReadOnly]
    Task<LogFileStatus> GetStatus();
}
