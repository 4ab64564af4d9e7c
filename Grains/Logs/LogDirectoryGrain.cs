namespace GrainStream.Grains.Logs;

/// <summary>Lists the log root (key: <see cref="ILogDirectoryGrain.Key"/>) through <see cref="LogRoot.List"/>.</summary>
public sealed class LogDirectoryGrain(LogRoot root) : Grain, ILogDirectoryGrain
{
    /// <inheritdoc/>
    public Task<IReadOnlyList<LogFileInfo>> List() => Task.FromResult(root.List());
}
