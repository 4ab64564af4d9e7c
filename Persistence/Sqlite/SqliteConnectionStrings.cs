using Microsoft.Data.Sqlite;

namespace GrainStream.Persistence.Sqlite;

/// <summary>Builds connection strings for <see cref="SqliteStorageOptions.ConnectionString"/>.</summary>
public static class SqliteConnectionStrings
{
    /// <summary>A connection string for the database file at <paramref name="path"/>, quoted as needed.</summary>
    public static string ForFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new SqliteConnectionStringBuilder { DataSource = path }.ToString();
    }
}
