namespace GrainStream.Grains.Logs;

/// <summary>The log root as seen by the silos (key: <see cref="Key"/>): lists the files that can be tailed.</summary>
public interface ILogDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The one instance's key.</summary>
    const string Key = "root";

    /// <summary>Regular files directly under the log root whose names are valid keys, by name.</summary>
    [ReadOnly]
    Task<IReadOnlyList<LogFileInfo>> List();

    /// <summary>Whether the log <paramref name="name"/> exists and can be read: asked before a tail
    /// touches the log's grain or stream, so that a tail of an unknown file leaves nothing behind.
    /// An invalid name is an <see cref="ArgumentException"/>, a link out of the root an
    /// <see cref="UnauthorizedAccessException"/>.</summary>
    [ReadOnly]
    Task<bool> Exists(string name);
}
