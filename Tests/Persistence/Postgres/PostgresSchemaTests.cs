using GrainStream.Persistence.Postgres;
using GrainStream.Tests.Support;
using Npgsql;

namespace GrainStream.Tests.Persistence.Postgres;

public sealed class PostgresSchemaTests
{
    [Fact]
    public async Task Processes_starting_at_once_apply_each_migration_exactly_once()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        var sources = Enumerable.Range(0, 4).Select(_ => NpgsqlDataSource.Create(connectionString)).ToArray();
        try
        {
            var results = await Task.WhenAll(sources.Select(source => PostgresSchema.MigrateAsync(source)));

            var applied = results.SelectMany(names => names).ToList();
            Assert.Equal(PostgresSchema.Migrations.Select(m => m.Name), applied.Order(StringComparer.Ordinal));
            await using var command = sources[0].CreateCommand("SELECT count(*) FROM gs_schema_migration");
            Assert.Equal((long)PostgresSchema.Migrations.Count, (long)(await command.ExecuteScalarAsync())!);
        }
        finally
        {
            foreach (var source in sources) await source.DisposeAsync();
        }
    }

    [Fact]
    public async Task Migrating_a_current_database_applies_nothing()
    {
        await using var source = NpgsqlDataSource.Create(await PostgresServer.CreateDatabaseAsync());
        Assert.NotEmpty(await PostgresSchema.MigrateAsync(source));

        Assert.Empty(await PostgresSchema.MigrateAsync(source));
    }
}
