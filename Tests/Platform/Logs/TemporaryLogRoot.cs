namespace GrainStream.Tests.Platform.Logs;

/// <summary>A log root of its own for one test, deleted afterwards.</summary>
public sealed class TemporaryLogRoot : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "grainstream-logs-" + Guid.NewGuid().ToString("N"));

    public TemporaryLogRoot() => Directory.CreateDirectory(Path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
