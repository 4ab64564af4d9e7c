namespace GrainStream.Tests.Support;

/// <summary>Database files of test clusters, under one folder of the temporary directory.</summary>
public static class TemporaryDatabase
{
    public static readonly string Folder = Path.Combine(Path.GetTempPath(), "grainstream-tests");

    public static string NewPath()
    {
        Directory.CreateDirectory(Folder);
        return Path.Combine(Folder, Guid.NewGuid().ToString("N") + ".db");
    }
}
