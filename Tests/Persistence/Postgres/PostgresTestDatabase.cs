using GrainStream.Persistence.Postgres;
using GrainStream.Tests.Support;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GrainStream.Tests.Persistence.Postgres;

/// <summary>A <see cref="PostgresDatabase"/> on a fresh database of the test server, for one test
/// class instance (xunit makes one per test), plus SQL run by hand beside the providers.</summary>
public sealed class PostgresTestDatabase : IAsyncLifetime
{
    private readonly Action<PostgresOptions>? _configure;
    private PostgresDatabase? _database;

    public PostgresTestDatabase(Action<PostgresOptions>? configure = null) => _configure = configure;

    public string ConnectionString { get; private set; } = "";

    public PostgresDatabase Database => _database ?? throw new InvalidOperationException("Not initialised.");

    public async Task InitializeAsync()
    {
        ConnectionString = await PostgresServer.CreateDatabaseAsync();
        _database = Open();
        await _database.EnsureSchemaAsync();
    }

    public async Task DisposeAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
    }

    /// <summary>Another <see cref="PostgresDatabase"/> (its own connection pool) on the same database, as another process would have.</summary>
    public PostgresDatabase Open(Action<PostgresOptions>? configure = null)
    {
        var options = new PostgresOptions { ConnectionString = ConnectionString };
        _configure?.Invoke(options);
        configure?.Invoke(options);
        return new PostgresDatabase(Options.Create(options));
    }

    /// <summary>Runs <paramref name="sql"/> on a connection of its own, as an operator (or a bug) outside the providers would.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of the first row of <paramref name="sql"/>.</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    /// <summary>Registers a live silo (status 3, Active) of cluster <c>c</c> at 127.0.0.1:11111, generation 1,
    /// and returns its fence; <see cref="DeclareDeadAsync"/> kills it.</summary>
    public async Task<PostgresSiloFence> RegisterLiveSiloAsync()
    {
        await ExecuteAsync("""
            INSERT INTO gs_membership_version (cluster_id, version) VALUES ('c', 1);
            INSERT INTO gs_membership (cluster_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
            VALUES ('c', '127.0.0.1', 11111, 1, 'silo', 'host', 3, 30000, now(), now());
            """);
        return new PostgresSiloFence("c", "127.0.0.1", 11111, 1);
    }

    /// <summary>Declares the silo of <see cref="RegisterLiveSiloAsync"/> dead (status 6).</summary>
    public Task DeclareDeadAsync() => ExecuteAsync("UPDATE gs_membership SET status = 6");

    /// <summary>Counts the rows of <paramref name="table"/>.</summary>
    public async Task<long> CountAsync(string table) => (long)(await ScalarAsync($"SELECT count(*) FROM {table}"))!;
}
