using GrainStream.Persistence.Sqlite;
using Microsoft.Data.Sqlite;

namespace GrainStream.Tests.Persistence;

/// <summary>A database file of its own for one test, in a fresh folder under the temp directory that
/// does not exist yet (so opening also exercises creating it). Dispose the databases first: disposing
/// this deletes the folder with the file and its WAL companions.</summary>
internal sealed class TemporaryDatabaseFile : IDisposable
{
    public TemporaryDatabaseFile()
    {
        Folder = Path.Combine(Path.GetTempPath(), "grainstream-persistence-tests", Guid.NewGuid().ToString("N"));
        FilePath = Path.Combine(Folder, "grainstream.db");
    }

    public string Folder { get; }

    public string FilePath { get; }

    /// <summary>Options for this file, adjusted by <paramref name="configure"/>.</summary>
    public SqliteStorageOptions Options(Action<SqliteStorageOptions>? configure = null)
    {
        var options = new SqliteStorageOptions { ConnectionString = SqliteConnectionStrings.ForFile(FilePath) };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>A new database instance on this file.</summary>
    public SqliteDatabase Open(Action<SqliteStorageOptions>? configure = null) => new(Options(configure));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
    }
}
