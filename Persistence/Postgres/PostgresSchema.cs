using System.Reflection;
using Npgsql;

namespace GrainStream.Persistence.Postgres;

/// <summary>Creates or migrates the providers' tables. The scripts are the embedded resources
/// <c>Postgres/Schema/NNN_name.sql</c>, applied once each in name order and recorded in
/// <c>gs_schema_migration</c>. Every process that starts runs it: a transaction-scoped advisory lock
/// makes the first one apply what is missing while the others wait and then find nothing to do.</summary>
public static class PostgresSchema
{
    /// <summary>The advisory lock key the migration holds ("GrainSt" in ASCII): any number that no
    /// other application of the database uses.</summary>
    public const long MigrationLockKey = 0x4772_6169_6E53_74;

    private const string ResourcePrefix = "GrainStream.Postgres.Schema.";

    /// <summary>The migrations this build knows, in the order they apply: (name, SQL).</summary>
    public static IReadOnlyList<(string Name, string Sql)> Migrations { get; } = LoadMigrations();

    /// <summary>Applies the migrations the database lacks; returns the names of those it applied
    /// (none when another process got there first).</summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock({MigrationLockKey});
            CREATE TABLE IF NOT EXISTS gs_schema_migration (
                name text PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now());
            """, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT name FROM gs_schema_migration", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) applied.Add(reader.GetString(0));
        }

        var now = new List<string>();
        foreach (var (name, sql) in Migrations)
        {
            if (applied.Contains(name)) continue;
            await using (var command = new NpgsqlCommand(sql, connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            await using (var command = new NpgsqlCommand("INSERT INTO gs_schema_migration (name) VALUES ($1)", connection, transaction))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = name });
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            now.Add(name);
        }
        await transaction.CommitAsync(cancellationToken);
        return now;
    }

    private static List<(string Name, string Sql)> LoadMigrations()
    {
        var assembly = typeof(PostgresSchema).Assembly;
        var migrations = new List<(string Name, string Sql)>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal)) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            var name = Path.GetFileNameWithoutExtension(resource[ResourcePrefix.Length..]);
            migrations.Add((name, reader.ReadToEnd()));
        }
        migrations.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return migrations;
    }
}
