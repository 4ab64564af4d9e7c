namespace GrainStream.Grains.Logs;

/// <summary>The log root as seen by the silos (key: <see cref="Key"/>): lists the files that can be tailed.</summary>
public interface ILogDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The one instance's key.</summary>
    const string Key = "root";

    /// <summary>Regular files directly under the log root whose names are valid keys, by name.</summary>
    [ReadOnly]
    Task<IReadOnlyList<LogFileInfo>> List();
}
