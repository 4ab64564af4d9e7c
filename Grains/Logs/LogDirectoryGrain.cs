namespace GrainStream.Grains.Logs;

/// <summary>Lists the log root (key: <see cref="ILogDirectoryGrain.Key"/>) through <see cref="LogRoot.List"/>.</summary>
public sealed class LogDirectoryGrain(LogRoot root) : Grain, ILogDirectoryGrain
{
    /// <inheritdoc/>
    public Task<IReadOnlyList<LogFileInfo>> List() => Task.FromResult(root.List());

    /// <inheritdoc/>
    public Task<bool> Exists(string name)
    {
        try
        {
            // Opened, not just looked up: the same checks as a read (a link out of the root is refused).
            root.OpenForRead(name).Dispose();
            return Task.FromResult(true);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult(false);
        }
    }
}
