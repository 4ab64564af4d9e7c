using Microsoft.Data.Sqlite;

namespace GrainStream.Persistence.Sqlite;

/// <summary>One open connection and the commands and statements prepared on it. Both keep their
/// compiled form between executions, so reusing them per SQL text skips SQLite's parsing and
/// planning on every call after the first. Used by one caller at a time.</summary>
internal sealed class SqliteSession(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SqliteStatement> _statements = new(StringComparer.Ordinal);

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

    /// <summary>The raw statement for <paramref name="sql"/> (numbered parameters), for the hot write path.</summary>
    public SqliteStatement Statement(string sql)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            statement = new SqliteStatement(Connection.Handle!, sql);
            _statements.Add(sql, statement);
        }
        return statement;
    }

    public void Dispose()
    {
        // Statements first: a connection closes only once nothing is prepared on it.
        foreach (var statement in _statements.Values) statement.Dispose();
        _statements.Clear();
        foreach (var command in _commands.Values) command.Dispose();
        _commands.Clear();
        Connection.Dispose();
    }
}
