namespace GrainStream.Tests.Support;

/// <summary>The checkout the tests run from: the folder holding <c>GrainStream.sln</c> above the test output.</summary>
public static class RepositoryRoot
{
    /// <summary>The folder, or null when the tests run outside a checkout.</summary>
    public static string? Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "GrainStream.sln"))) return directory.FullName;
        }
        return null;
    }
}
