using GrainStream.Runtime.Testing;
using GrainStream.Sqlite;
using GrainStream.Storage;
using GrainStream.Tests.TestGrains;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Runtime;

public sealed class StateTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "grainstream-state-" + Guid.NewGuid().ToString("N"));
    private readonly List<SqliteDatabase> _databases = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var database in _databases) await database.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private Task<InProcessTestCluster> StartOnFileAsync(int silos)
    {
        var database = new SqliteDatabase(new SqliteStorageOptions { ConnectionString = SqliteConnectionStrings.ForFile(Path.Combine(_directory, "state.db")) });
        _databases.Add(database);
        return ClusterFactory.StartAsync(silos, b =>
        {
            b.Storage = new SqliteGrainStorage(database, TimeProvider.System);
            b.EventLog = new SqliteEventLog(database, TimeProvider.System);
        });
    }

    [Fact]
    public async Task State_survives_deactivation()
    {
        await using var cluster = await StartOnFileAsync(1);
        var counter = cluster.Client.GetGrain<ICounterGrain>("deactivated");
        await counter.Add(3);
        await counter.Deactivate();
        await Eventually.TrueAsync(() => !cluster.Silos[0].Silo.Runtime.Catalog.TryGet(new GrainId("counter", "deactivated"), out _), "the activation to go away");
        Assert.Equal(3, await counter.Get());
    }

    [Fact]
    public async Task State_survives_a_silo_kill_on_sqlite()
    {
        await using var cluster = await StartOnFileAsync(2);
        var counter = cluster.Client.GetGrain<ICounterGrain>("killed");
        await counter.Add(4);
        var host = await cluster.Directory.LookupAsync(new GrainId("counter", "killed"));
        await cluster.KillSiloAsync(cluster.Silos.Single(s => s.Silo.Address.Equals(host!.Silo)));
        await cluster.WaitForLivenessToStabilizeAsync();
        Assert.Equal(10, await counter.Add(6));
    }

    [Fact]
    public async Task State_survives_a_full_restart_of_the_cluster_on_the_same_file()
    {
        await using (var first = await StartOnFileAsync(2))
        {
            await first.Client.GetGrain<ICounterGrain>("restarted").Add(21);
        }
        await using var second = await StartOnFileAsync(2);
        Assert.Equal(21, await second.Client.GetGrain<ICounterGrain>("restarted").Get());
    }

    [Fact]
    public async Task A_write_based_on_a_stale_etag_fails_with_InconsistentStateException()
    {
        await using var cluster = await StartOnFileAsync(1);
        var counter = cluster.Client.GetGrain<ICounterGrain>("stale");
        await counter.Add(1);
        var etag = await counter.GetEtag();

        // Another writer changes the stored state behind the grain's back.
        var storage = new SqliteGrainStorage(_databases[0], TimeProvider.System);
        await storage.WriteAsync("counter", new GrainId("counter", "stale"), "{\"value\":100,\"history\":[]}"u8.ToArray(), etag);

        var exception = await Assert.ThrowsAsync<InconsistentStateException>(() => counter.Add(1));
        Assert.Contains("stale", exception.Message);
    }
}
