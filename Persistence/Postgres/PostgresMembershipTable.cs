using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace GrainStream.Persistence.Postgres;

/// <summary>Orleans' cluster membership in PostgreSQL (<c>gs_membership</c>, <c>gs_membership_version</c>).</summary>
/// <remarks>
/// <para>The table version's etag is the version number the caller read: a change applies only while
/// the version is still that number, and a silo row's change only while its own etag (a counter) is
/// still the one read. Each check and change runs in one transaction, so of two silos racing to write
/// what they read, one wins and the other re-reads, as Orleans' membership protocol expects.</para>
/// <para>Reads are one statement (one snapshot) so that the rows and the version agree.</para>
/// <para>A row update first locks the row <c>FOR UPDATE</c>: declaring a silo dead waits for that
/// silo's writes under way, which hold the row <c>FOR KEY SHARE</c> through <see cref="PostgresSiloFence"/>.</para>
/// </remarks>
public sealed class PostgresMembershipTable : IMembershipTable
{
    private const string Columns = "m.address, m.port, m.generation, m.silo_name, m.host_name, m.status, m.proxy_port, m.suspect_times, m.start_time, m.i_am_alive_time, m.etag";

    private readonly PostgresDatabase _database;
    private readonly string _clusterId;

    /// <summary>The membership of the cluster <see cref="ClusterOptions.ClusterId"/> in <paramref name="database"/>.</summary>
    public PostgresMembershipTable(PostgresDatabase database, IOptions<ClusterOptions> clusterOptions)
    {
        _database = database;
        _clusterId = clusterOptions.Value.ClusterId;
    }

    /// <inheritdoc />
    public async Task InitializeMembershipTable(bool tryInitTableVersion)
    {
        await _database.EnsureSchemaAsync();
        if (!tryInitTableVersion) return;
        await using var command = _database.DataSource.CreateCommand(
            "INSERT INTO gs_membership_version (cluster_id) VALUES ($1) ON CONFLICT (cluster_id) DO NOTHING");
        command.Parameters.Add(Parameter(_clusterId));
        await command.ExecuteNonQueryAsync();
    }

    /// <inheritdoc />
    public async Task DeleteMembershipTableEntries(string clusterId)
    {
        // The rows go with their version row (ON DELETE CASCADE).
        await using var command = _database.DataSource.CreateCommand("DELETE FROM gs_membership_version WHERE cluster_id = $1");
        command.Parameters.Add(Parameter(clusterId));
        await command.ExecuteNonQueryAsync();
    }

    /// <inheritdoc />
    public async Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate)
    {
        await using var command = _database.DataSource.CreateCommand(
            "DELETE FROM gs_membership WHERE cluster_id = $1 AND status = $2 AND i_am_alive_time < $3");
        command.Parameters.Add(Parameter(_clusterId));
        command.Parameters.Add(Parameter((int)SiloStatus.Dead));
        command.Parameters.Add(Parameter(beforeDate.UtcDateTime));
        await command.ExecuteNonQueryAsync();
    }

    /// <inheritdoc />
    public Task<MembershipTableData> ReadRow(SiloAddress key)
    {
        var (address, port, generation) = Key(key);
        return ReadAsync(
            $"""
            SELECT v.version, {Columns} FROM gs_membership_version v
            LEFT JOIN gs_membership m ON m.cluster_id = v.cluster_id AND m.address = $2 AND m.port = $3 AND m.generation = $4
            WHERE v.cluster_id = $1
            """,
            Parameter(_clusterId), Parameter(address), Parameter(port), Parameter(generation));
    }

    /// <inheritdoc />
    public Task<MembershipTableData> ReadAll() => ReadAsync(
        $"""
        SELECT v.version, {Columns} FROM gs_membership_version v
        LEFT JOIN gs_membership m ON m.cluster_id = v.cluster_id
        WHERE v.cluster_id = $1
        """,
        Parameter(_clusterId));

    /// <inheritdoc />
    public async Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion)
    {
        if (!int.TryParse(tableVersion.VersionEtag, CultureInfo.InvariantCulture, out var expectedVersion)) return false;
        var (address, port, generation) = Key(entry.SiloAddress);
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(VersionUpdate(tableVersion.Version, expectedVersion));
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO gs_membership (cluster_id, address, port, generation, silo_name, host_name, status, proxy_port, suspect_times, start_time, i_am_alive_time)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            ON CONFLICT DO NOTHING
            """);
        insert.Parameters.Add(Parameter(_clusterId));
        insert.Parameters.Add(Parameter(address));
        insert.Parameters.Add(Parameter(port));
        insert.Parameters.Add(Parameter(generation));
        AddEntryColumns(insert, entry);
        batch.BatchCommands.Add(insert);
        await batch.ExecuteNonQueryAsync();
        return await CommitIfAllApplied(transaction, batch);
    }

    /// <inheritdoc />
    public async Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion)
    {
        if (!int.TryParse(tableVersion.VersionEtag, CultureInfo.InvariantCulture, out var expectedVersion)
            || !long.TryParse(etag, CultureInfo.InvariantCulture, out var expectedEtag))
        {
            return false;
        }
        var (address, port, generation) = Key(entry.SiloAddress);
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var batch = new NpgsqlBatch(connection, transaction);
        // The row lock first (see the remarks): it waits for the silo's fenced writes under way.
        var lockRow = new NpgsqlBatchCommand("SELECT 1 FROM gs_membership WHERE cluster_id = $1 AND address = $2 AND port = $3 AND generation = $4 FOR UPDATE");
        AddKey(lockRow, address, port, generation);
        batch.BatchCommands.Add(lockRow);
        batch.BatchCommands.Add(VersionUpdate(tableVersion.Version, expectedVersion));
        var update = new NpgsqlBatchCommand("""
            UPDATE gs_membership SET silo_name = $5, host_name = $6, status = $7, proxy_port = $8, suspect_times = $9,
                start_time = $10, i_am_alive_time = $11, etag = etag + 1
            WHERE cluster_id = $1 AND address = $2 AND port = $3 AND generation = $4 AND etag = $12
            """);
        AddKey(update, address, port, generation);
        AddEntryColumns(update, entry);
        update.Parameters.Add(Parameter(expectedEtag));
        batch.BatchCommands.Add(update);
        await batch.ExecuteNonQueryAsync();
        return await CommitIfAllApplied(transaction, batch);
    }

    /// <inheritdoc />
    public async Task UpdateIAmAlive(MembershipEntry entry)
    {
        var (address, port, generation) = Key(entry.SiloAddress);
        await using var command = _database.DataSource.CreateCommand(
            "UPDATE gs_membership SET i_am_alive_time = $5 WHERE cluster_id = $1 AND address = $2 AND port = $3 AND generation = $4");
        command.Parameters.Add(Parameter(_clusterId));
        command.Parameters.Add(Parameter(address));
        command.Parameters.Add(Parameter(port));
        command.Parameters.Add(Parameter(generation));
        command.Parameters.Add(Parameter(Utc(entry.IAmAliveTime)));
        if (await command.ExecuteNonQueryAsync() == 0)
            throw new InvalidOperationException($"Silo {entry.SiloAddress} has no row in the membership of cluster {_clusterId}.");
    }

    private async Task<MembershipTableData> ReadAsync(string sql, params NpgsqlParameter[] parameters)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var members = new List<Tuple<MembershipEntry, string>>();
        var version = 0;
        while (await reader.ReadAsync())
        {
            version = reader.GetInt32(0);
            if (reader.IsDBNull(1)) continue; // The version row without silo rows.
            members.Add(Tuple.Create(ReadEntry(reader), reader.GetInt64(11).ToString(CultureInfo.InvariantCulture)));
        }
        return new MembershipTableData(members, new TableVersion(version, version.ToString(CultureInfo.InvariantCulture)));
    }

    private static MembershipEntry ReadEntry(NpgsqlDataReader reader) => new()
    {
        SiloAddress = SiloAddress.New(IPAddress.Parse(reader.GetString(1)), reader.GetInt32(2), reader.GetInt32(3)),
        SiloName = reader.GetString(4),
        HostName = reader.GetString(5),
        Status = (SiloStatus)reader.GetInt32(6),
        ProxyPort = reader.GetInt32(7),
        SuspectTimes = reader.IsDBNull(8) ? [] : ParseSuspectTimes(reader.GetString(8)),
        StartTime = reader.GetDateTime(9),
        IAmAliveTime = reader.GetDateTime(10),
    };

    private NpgsqlBatchCommand VersionUpdate(int newVersion, int expectedVersion)
    {
        var command = new NpgsqlBatchCommand("UPDATE gs_membership_version SET version = $2, updated_at = now() WHERE cluster_id = $1 AND version = $3");
        command.Parameters.Add(Parameter(_clusterId));
        command.Parameters.Add(Parameter(newVersion));
        command.Parameters.Add(Parameter(expectedVersion));
        return command;
    }

    // Commits when every data-changing statement of the batch changed its row; else nothing happened.
    private static async Task<bool> CommitIfAllApplied(NpgsqlTransaction transaction, NpgsqlBatch batch)
    {
        for (var i = 0; i < batch.BatchCommands.Count; i++)
        {
            var command = batch.BatchCommands[i];
            if (command.StatementType is StatementType.Update or StatementType.Insert && command.RecordsAffected != 1)
            {
                await transaction.RollbackAsync();
                return false;
            }
        }
        await transaction.CommitAsync();
        return true;
    }

    private void AddKey(NpgsqlBatchCommand command, string address, int port, int generation)
    {
        command.Parameters.Add(Parameter(_clusterId));
        command.Parameters.Add(Parameter(address));
        command.Parameters.Add(Parameter(port));
        command.Parameters.Add(Parameter(generation));
    }

    // $5..$11 of the insert and the update.
    private static void AddEntryColumns(NpgsqlBatchCommand command, MembershipEntry entry)
    {
        command.Parameters.Add(Parameter(entry.SiloName ?? ""));
        command.Parameters.Add(Parameter(entry.HostName ?? ""));
        command.Parameters.Add(Parameter((int)entry.Status));
        command.Parameters.Add(Parameter(entry.ProxyPort));
        command.Parameters.Add(entry.SuspectTimes is { Count: > 0 } suspects ? Parameter(FormatSuspectTimes(suspects)) : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(Parameter(Utc(entry.StartTime)));
        command.Parameters.Add(Parameter(Utc(entry.IAmAliveTime)));
    }

    private static (string Address, int Port, int Generation) Key(SiloAddress silo) =>
        (silo.Endpoint.Address.ToString(), silo.Endpoint.Port, silo.Generation);

    // "silo#ticks|silo#ticks", each silo in Orleans' parsable form (which holds neither separator).
    private static string FormatSuspectTimes(List<Tuple<SiloAddress, DateTime>> suspects) =>
        string.Join('|', suspects.Select(s => s.Item1.ToParsableString() + "#" + Utc(s.Item2).Ticks.ToString(CultureInfo.InvariantCulture)));

    private static List<Tuple<SiloAddress, DateTime>> ParseSuspectTimes(string text) =>
        [.. text.Split('|', StringSplitOptions.RemoveEmptyEntries).Select(item =>
        {
            var hash = item.LastIndexOf('#');
            return Tuple.Create(SiloAddress.FromParsableString(item[..hash]), new DateTime(long.Parse(item[(hash + 1)..], CultureInfo.InvariantCulture), DateTimeKind.Utc));
        })];

    private static DateTime Utc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Utc => time,
        DateTimeKind.Local => time.ToUniversalTime(),
        _ => DateTime.SpecifyKind(time, DateTimeKind.Utc),
    };

    private static NpgsqlParameter Parameter<T>(T value) => new NpgsqlParameter<T> { TypedValue = value };
}
