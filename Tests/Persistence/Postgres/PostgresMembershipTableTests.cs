using System.Net;
using GrainStream.Persistence.Postgres;
using GrainStream.Tests.Support;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace GrainStream.Tests.Persistence.Postgres;

public sealed class PostgresMembershipTableTests : IAsyncLifetime
{
    private const string ClusterId = "membership-test";
    private PostgresDatabase _database = null!;
    private PostgresMembershipTable _table = null!;

    public async Task InitializeAsync()
    {
        _database = new PostgresDatabase(Options.Create(new PostgresOptions { ConnectionString = await PostgresServer.CreateDatabaseAsync() }));
        _table = new PostgresMembershipTable(_database, Options.Create(new ClusterOptions { ClusterId = ClusterId }));
        await _table.InitializeMembershipTable(tryInitTableVersion: true);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task An_inserted_silo_is_read_back_with_the_new_table_version()
    {
        var empty = await _table.ReadAll();
        var entry = Entry(11111, SiloStatus.Joining);
        entry.SuspectTimes = [Tuple.Create(Silo(22222), new DateTime(2026, 12, 4, 10, 0, 0, DateTimeKind.Utc))];

        Assert.True(await _table.InsertRow(entry, empty.Version.Next()));

        var all = await _table.ReadAll();
        Assert.Equal(empty.Version.Version + 1, all.Version.Version);
        var (read, _) = Assert.Single(all.Members);
        Assert.Equal(entry.SiloAddress, read.SiloAddress);
        Assert.Equal(SiloStatus.Joining, read.Status);
        Assert.Equal(entry.ProxyPort, read.ProxyPort);
        Assert.Equal(entry.SiloName, read.SiloName);
        Assert.Equal(entry.StartTime, read.StartTime);
        var (suspect, at) = Assert.Single(read.SuspectTimes!);
        Assert.Equal(Silo(22222), suspect);
        Assert.Equal(entry.SuspectTimes[0].Item2, at);
        Assert.Equal(entry.SiloAddress, Assert.Single((await _table.ReadRow(entry.SiloAddress)).Members).Item1.SiloAddress);
    }

    [Fact]
    public async Task Inserting_with_a_stale_table_version_changes_nothing()
    {
        var stale = (await _table.ReadAll()).Version;
        Assert.True(await _table.InsertRow(Entry(11111, SiloStatus.Joining), stale.Next()));

        Assert.False(await _table.InsertRow(Entry(11112, SiloStatus.Joining), stale.Next()));

        var all = await _table.ReadAll();
        Assert.Single(all.Members);
        Assert.Equal(stale.Version + 1, all.Version.Version);
    }

    [Fact]
    public async Task Inserting_a_silo_twice_fails_and_keeps_the_version()
    {
        var entry = Entry(11111, SiloStatus.Joining);
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        var version = (await _table.ReadAll()).Version;

        Assert.False(await _table.InsertRow(entry, version.Next()));

        Assert.Equal(version, (await _table.ReadAll()).Version);
    }

    [Fact]
    public async Task Updating_with_a_stale_row_etag_fails_and_a_current_one_succeeds()
    {
        var entry = Entry(11111, SiloStatus.Joining);
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        var read = await _table.ReadRow(entry.SiloAddress);
        var etag = read.Members[0].Item2;
        entry.Status = SiloStatus.Active;
        Assert.True(await _table.UpdateRow(entry, etag, read.Version.Next()));

        entry.Status = SiloStatus.Dead;
        var after = await _table.ReadRow(entry.SiloAddress);
        Assert.False(await _table.UpdateRow(entry, etag, after.Version.Next()));

        Assert.Equal(SiloStatus.Active, (await _table.ReadRow(entry.SiloAddress)).Members[0].Item1.Status);
    }

    [Fact]
    public async Task I_am_alive_updates_only_the_time()
    {
        var entry = Entry(11111, SiloStatus.Active);
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        var before = await _table.ReadRow(entry.SiloAddress);

        entry.IAmAliveTime = entry.IAmAliveTime.AddSeconds(30);
        entry.Status = SiloStatus.Dead; // Not written by UpdateIAmAlive.
        await _table.UpdateIAmAlive(entry);

        var after = await _table.ReadRow(entry.SiloAddress);
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Members[0].Item2, after.Members[0].Item2);
        Assert.Equal(SiloStatus.Active, after.Members[0].Item1.Status);
        Assert.Equal(entry.IAmAliveTime, after.Members[0].Item1.IAmAliveTime);
    }

    [Fact]
    public async Task Clients_see_only_active_silos_as_gateways()
    {
        Assert.True(await _table.InsertRow(Entry(11111, SiloStatus.Active), (await _table.ReadAll()).Version.Next()));
        Assert.True(await _table.InsertRow(Entry(11112, SiloStatus.Joining), (await _table.ReadAll()).Version.Next()));
        Assert.True(await _table.InsertRow(Entry(11113, SiloStatus.Dead), (await _table.ReadAll()).Version.Next()));
        var gateways = new PostgresGatewayListProvider(_database, Options.Create(new ClusterOptions { ClusterId = ClusterId }), Options.Create(new GatewayOptions()));

        var uri = Assert.Single(await gateways.GetGateways());

        Assert.Equal(Entry(11111, SiloStatus.Active).ProxyPort, uri.Port);
    }

    [Fact]
    public async Task Only_dead_silos_older_than_the_date_are_cleaned_up()
    {
        var old = DateTime.UtcNow.AddDays(-2);
        var dead = Entry(11111, SiloStatus.Dead, old);
        var active = Entry(11112, SiloStatus.Active, old);
        var recentlyDead = Entry(11113, SiloStatus.Dead, DateTime.UtcNow);
        foreach (var entry in new[] { dead, active, recentlyDead }) Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));

        await _table.CleanupDefunctSiloEntries(DateTimeOffset.UtcNow.AddDays(-1));

        Assert.Equal([active.SiloAddress, recentlyDead.SiloAddress], (await _table.ReadAll()).Members.Select(m => m.Item1.SiloAddress).OrderBy(s => s.Endpoint.Port));
    }

    [Fact]
    public async Task Declaring_a_silo_dead_waits_for_its_fenced_write_under_way_and_then_fences_it()
    {
        var entry = Entry(11111, SiloStatus.Active);
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        var fence = new PostgresSiloFence(ClusterId, "127.0.0.1", 11111, entry.SiloAddress.Generation);
        await using (var setup = _database.DataSource.CreateCommand("CREATE TABLE fenced_write (n int)")) await setup.ExecuteNonQueryAsync();

        // A write under way: fenced, not yet committed.
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var write = new NpgsqlBatch(connection, transaction) { BatchCommands = { new NpgsqlBatchCommand("INSERT INTO fenced_write VALUES (1)") } })
        {
            fence.AddTo(write);
            await write.ExecuteNonQueryAsync();
        }
        var read = await _table.ReadRow(entry.SiloAddress);
        entry.Status = SiloStatus.Dead;
        var declaration = _table.UpdateRow(entry, read.Members[0].Item2, read.Version.Next());

        await Eventually.TrueAsync(async () => declaration.IsCompleted || await WaitingOnLocksAsync() > 0, "the declaration to finish or wait on a lock");
        Assert.False(declaration.IsCompleted, "Declaring the silo dead did not wait for its write under way.");
        await transaction.CommitAsync();
        Assert.True(await declaration.WaitAsync(TimeSpan.FromSeconds(10)));

        await using var late = new NpgsqlBatch(connection) { BatchCommands = { new NpgsqlBatchCommand("INSERT INTO fenced_write VALUES (2)") } };
        fence.AddTo(late);
        var refused = await Assert.ThrowsAnyAsync<PostgresException>(() => late.ExecuteNonQueryAsync());
        Assert.True(PostgresSiloFence.IsFenced(refused));
        await using var count = _database.DataSource.CreateCommand("SELECT count(*) FROM fenced_write");
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    private async Task<long> WaitingOnLocksAsync()
    {
        await using var command = _database.DataSource.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static SiloAddress Silo(int port) => SiloAddress.New(IPAddress.Loopback, port, 1);

    private static MembershipEntry Entry(int port, SiloStatus status, DateTime? time = null) => new()
    {
        SiloAddress = Silo(port),
        Status = status,
        ProxyPort = port + 10000,
        HostName = "host",
        SiloName = "silo-" + port,
        StartTime = time ?? new DateTime(2026, 12, 4, 9, 0, 0, DateTimeKind.Utc),
        IAmAliveTime = time ?? new DateTime(2026, 12, 4, 9, 0, 5, DateTimeKind.Utc),
    };
}
