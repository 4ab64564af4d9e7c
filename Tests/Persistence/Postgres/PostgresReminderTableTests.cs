using GrainStream.Persistence.Postgres;
using GrainStream.Tests.Persistence.Specifications;

namespace GrainStream.Tests.Persistence.Postgres;

/// <summary>The reminder table contract (<see cref="ReminderTableSpecification"/>) on PostgreSQL, and
/// what only PostgreSQL does: the silo fence.</summary>
public sealed class PostgresReminderTableTests : ReminderTableSpecification
{
    private readonly PostgresTestDatabase _db = new();

    protected override Task CreateStoreAsync() => _db.InitializeAsync();

    protected override Task DisposeStoreAsync() => _db.DisposeAsync();

    protected override IReminderTable CreateTable() => new PostgresReminderTable(_db.Database, PostgresSiloFence.None);

    [Fact]
    public async Task Upserts_and_removals_of_a_silo_declared_dead_throw_SiloFencedException_and_change_nothing()
    {
        var table = new PostgresReminderTable(_db.Database, await _db.RegisterLiveSiloAsync());
        var etag = await table.UpsertRow(Entry(Task1, period: TimeSpan.FromMinutes(1)));

        await _db.DeclareDeadAsync();

        await Assert.ThrowsAsync<SiloFencedException>(() => table.UpsertRow(Entry(Task1, period: TimeSpan.FromMinutes(5))));
        await Assert.ThrowsAsync<SiloFencedException>(() => table.UpsertRow(Entry(GrainId.Create("task", "t2"))));
        await Assert.ThrowsAsync<SiloFencedException>(() => table.RemoveRow(Task1, "lease", etag!));
        var row = Assert.Single((await table.ReadRows(0, 0)).Reminders);
        Assert.Equal(etag, row.ETag);
        Assert.Equal(TimeSpan.FromMinutes(1), row.Period);
    }
}
