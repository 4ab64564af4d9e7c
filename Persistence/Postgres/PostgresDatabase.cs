using Microsoft.Extensions.Options;
using Npgsql;

namespace GrainStream.Persistence.Postgres;

/// <summary>The PostgreSQL database one process's providers share: one pooled
/// <see cref="NpgsqlDataSource"/>, and the schema made current once before first use.</summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly Lock _schemaLock = new();
    private Task? _schema;

    /// <summary>Opens a data source on <see cref="PostgresOptions.ConnectionString"/>.</summary>
    public PostgresDatabase(IOptions<PostgresOptions> options)
    {
        Options = options.Value;
        if (string.IsNullOrWhiteSpace(Options.ConnectionString))
            throw new OptionsValidationException(nameof(PostgresOptions), typeof(PostgresOptions), ["The PostgreSQL connection string (Cluster:Postgres) is required."]);
        var builder = new NpgsqlConnectionStringBuilder(Options.ConnectionString);
        if (!builder.ContainsKey("Command Timeout")) builder.CommandTimeout = (int)Math.Ceiling(Options.CommandTimeout.TotalSeconds);
        DataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>The options the database was created with.</summary>
    public PostgresOptions Options { get; }

    /// <summary>The pooled connections.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Completes once the schema is current (migrating it on the first call). A failed
    /// migration is tried again by the next call.</summary>
    public Task EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        Task schema;
        lock (_schemaLock)
        {
            if (_schema is null || _schema.IsFaulted || _schema.IsCanceled) _schema = PostgresSchema.MigrateAsync(DataSource);
            schema = _schema;
        }
        return schema.IsCompletedSuccessfully ? Task.CompletedTask : schema.WaitAsync(cancellationToken);
    }

    /// <summary>Opens a pooled connection once the schema is current.</summary>
    public async Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken);
        return await DataSource.OpenConnectionAsync(cancellationToken);
    }

    /// <summary>Completes when the server answers a trivial query.</summary>
    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>Completes when the server commits a transaction that was given a transaction id (it
    /// writes and flushes a commit record to its WAL for that; a standby refuses) and its sessions
    /// are not read-only (<c>default_transaction_read_only</c>). Touches no table. For readiness checks.</summary>
    public async Task ProbeWriteAsync(CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand("SELECT current_setting('transaction_read_only'), pg_current_xact_id()");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (await reader.ReadAsync(cancellationToken) && reader.GetString(0) == "on")
            throw new InvalidOperationException("The PostgreSQL server takes no writes (transaction_read_only is on).");
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
