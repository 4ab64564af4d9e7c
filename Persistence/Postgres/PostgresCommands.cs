using Npgsql;

namespace GrainStream.Persistence.Postgres;

/// <summary>How the PostgreSQL providers talk to the database: reads as one command, writes as one
/// fenced batch.</summary>
/// <remarks>A write is a single <see cref="NpgsqlBatch"/> without an explicit transaction: PostgreSQL
/// runs the batch's statements in one implicit transaction that commits at its end, and Npgsql rolls
/// back the whole batch when any statement fails. So the fence's lock lasts until the write commits,
/// and a write costs one round trip where BEGIN … COMMIT would cost two.</remarks>
internal static class PostgresCommands
{
    /// <summary>A batch statement with positional parameters <c>$1</c>, <c>$2</c>, … bound to <paramref name="values"/>.</summary>
    public static NpgsqlBatchCommand Statement(string sql, params ReadOnlySpan<object> values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }

    /// <summary>Runs one query and hands its reader to <paramref name="read"/>.</summary>
    public static async Task<T> ReadAsync<T>(PostgresDatabase database, NpgsqlBatchCommand statement, Func<NpgsqlDataReader, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { statement } };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await read(reader, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="statements"/> as one write behind <paramref name="fence"/>.
    /// <paramref name="read"/> gets the reader at the result of the first statement (it may move on
    /// to the next ones); the write has committed when this completes.</summary>
    /// <exception cref="SiloFencedException">The cluster has declared this silo dead; nothing was written.</exception>
    public static async Task<T> WriteAsync<T>(
        PostgresDatabase database,
        PostgresSiloFence fence,
        string what,
        IEnumerable<NpgsqlBatchCommand> statements,
        Func<NpgsqlDataReader, CancellationToken, Task<T>> read,
        CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection);
            foreach (var statement in statements) batch.BatchCommands.Add(statement);
            var fenceStatements = batch.BatchCommands.Count;
            fence.AddTo(batch);
            fenceStatements = batch.BatchCommands.Count - fenceStatements;

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < fenceStatements; i++) await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            var result = await read(reader, cancellationToken).ConfigureAwait(false);
            // Consume the rest here, inside the try: a later statement's error surfaces only when its result is reached.
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false)) { }
            return result;
        }
        catch (PostgresException exception) when (PostgresSiloFence.IsFenced(exception))
        {
            throw new SiloFencedException($"Refused to {what}: the cluster has declared this silo dead, so it may no longer write. Nothing was written.", exception);
        }
    }

    /// <summary>The first column of the current result's first row, or null when it has no row (or the value is NULL).</summary>
    public static async Task<T?> ScalarAsync<T>(NpgsqlDataReader reader, CancellationToken cancellationToken) where T : struct
        => await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0) ? reader.GetFieldValue<T>(0) : null;
}
