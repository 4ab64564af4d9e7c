using Microsoft.Data.Sqlite;

namespace GrainStream.Sqlite;

/// <summary>One open connection and the commands prepared on it. A command keeps its compiled
/// statement between executions, so reusing it per SQL text skips SQLite's parsing and planning on
/// every call after the first. Used by one caller at a time.</summary>
internal sealed class SqliteSession(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteConnection Connection { get; } = connection;

    /// <summary>The command for <paramref name="sql"/>. Callers set every parameter before each execution.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values) command.Dispose();
        _commands.Clear();
        Connection.Dispose();
    }
}
