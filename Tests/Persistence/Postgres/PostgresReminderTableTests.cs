using GrainStream.Persistence.Postgres;

namespace GrainStream.Tests.Persistence.Postgres;

public sealed class PostgresReminderTableTests : IAsyncLifetime
{
    private static readonly GrainId Task1 = GrainId.Create("task", "t1");
    private static readonly DateTime StartAt = new(2026, 5, 6, 7, 8, 9, DateTimeKind.Utc);

    private readonly PostgresTestDatabase _db = new();
    private PostgresReminderTable _table = null!;

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        _table = new PostgresReminderTable(_db.Database, PostgresSiloFence.None);
    }

    public Task DisposeAsync() => _db.DisposeAsync();

    private static ReminderEntry Entry(GrainId grainId, string name = "lease", TimeSpan? period = null)
        => new() { GrainId = grainId, ReminderName = name, StartAt = StartAt, Period = period ?? TimeSpan.FromMinutes(1) };

    [Fact]
    public async Task Reading_a_missing_reminder_returns_null()
    {
        Assert.Null(await _table.ReadRow(Task1, "lease"));
        Assert.Empty((await _table.ReadRows(Task1)).Reminders);
    }

    [Fact]
    public async Task Upsert_stores_the_reminder_and_returns_its_etag()
    {
        var etag = await _table.UpsertRow(Entry(Task1, period: TimeSpan.FromSeconds(90)));

        var read = await _table.ReadRow(Task1, "lease");

        Assert.NotNull(etag);
        Assert.NotNull(read);
        Assert.Equal(Task1, read.GrainId);
        Assert.Equal("lease", read.ReminderName);
        Assert.Equal(StartAt, read.StartAt);
        Assert.Equal(DateTimeKind.Utc, read.StartAt.Kind);
        Assert.Equal(TimeSpan.FromSeconds(90), read.Period);
        Assert.Equal(etag, read.ETag);
    }

    [Fact]
    public async Task A_start_time_in_local_time_is_stored_as_the_same_instant_in_utc()
    {
        var entry = Entry(Task1);
        entry.StartAt = StartAt.ToLocalTime();

        await _table.UpsertRow(entry);

        Assert.Equal(StartAt, (await _table.ReadRow(Task1, "lease"))!.StartAt);
    }

    [Fact]
    public async Task Upsert_of_an_existing_reminder_replaces_it_with_a_new_etag()
    {
        var first = await _table.UpsertRow(Entry(Task1, period: TimeSpan.FromMinutes(1)));

        var second = await _table.UpsertRow(Entry(Task1, period: TimeSpan.FromMinutes(5)));

        Assert.NotEqual(first, second);
        var row = Assert.Single((await _table.ReadRows(Task1)).Reminders);
        Assert.Equal(TimeSpan.FromMinutes(5), row.Period);
        Assert.Equal(second, row.ETag);
    }

    [Fact]
    public async Task Reading_by_grain_returns_that_grains_reminders_only()
    {
        await _table.UpsertRow(Entry(Task1, "lease"));
        await _table.UpsertRow(Entry(Task1, "retry"));
        await _table.UpsertRow(Entry(GrainId.Create("task", "t2"), "lease"));

        var ofTask1 = (await _table.ReadRows(Task1)).Reminders;

        Assert.Equal(["lease", "retry"], ofTask1.Select(r => r.ReminderName).Order());
        Assert.All(ofTask1, r => Assert.Equal(Task1, r.GrainId));
    }

    [Fact]
    public async Task Remove_with_the_current_etag_removes_the_reminder()
    {
        var etag = await _table.UpsertRow(Entry(Task1));

        Assert.True(await _table.RemoveRow(Task1, "lease", etag!));

        Assert.Null(await _table.ReadRow(Task1, "lease"));
    }

    [Fact]
    public async Task Remove_with_a_wrong_etag_is_refused_and_keeps_the_reminder()
    {
        var stale = await _table.UpsertRow(Entry(Task1));
        var current = await _table.UpsertRow(Entry(Task1));

        Assert.False(await _table.RemoveRow(Task1, "lease", stale!));
        Assert.False(await _table.RemoveRow(Task1, "lease", "made-up"));
        Assert.False(await _table.RemoveRow(Task1, "missing", current!));

        Assert.Equal(current, (await _table.ReadRow(Task1, "lease"))!.ETag);
    }

    [Fact]
    public async Task Reading_a_range_returns_the_reminders_hashed_above_begin_up_to_and_including_end()
    {
        var hashes = await UpsertManyAsync(64);
        var sorted = hashes.Values.Order().ToArray();
        var low = sorted[10];
        var high = sorted[50];

        var rows = await _table.ReadRows(low, high);

        Assert.Equal(hashes.Where(h => h.Value > low && h.Value <= high).Select(h => h.Key).Order(), Names(rows));
        Assert.Equal(40, rows.Reminders.Count);
    }

    [Fact]
    public async Task Reading_a_wrapped_range_returns_the_reminders_above_begin_or_up_to_end()
    {
        var hashes = await UpsertManyAsync(64);
        var sorted = hashes.Values.Order().ToArray();
        var begin = sorted[50];
        var end = sorted[10];

        var rows = await _table.ReadRows(begin, end);

        Assert.Equal(hashes.Where(h => h.Value > begin || h.Value <= end).Select(h => h.Key).Order(), Names(rows));
        Assert.Equal(13 + 11, rows.Reminders.Count);
    }

    [Fact]
    public async Task Reading_a_range_that_begins_where_it_ends_returns_the_whole_ring()
    {
        var hashes = await UpsertManyAsync(16);

        Assert.Equal(16, (await _table.ReadRows(hashes.Values.Min(), hashes.Values.Min())).Reminders.Count);
        Assert.Equal(16, (await _table.ReadRows(0, 0)).Reminders.Count);
    }

    [Fact]
    public async Task Hashes_in_the_upper_half_of_the_ring_are_stored_as_unsigned()
    {
        var hashes = await UpsertManyAsync(64);

        var upperHalf = await _table.ReadRows(int.MaxValue, uint.MaxValue);
        var lowerHalf = await _table.ReadRows(uint.MaxValue, int.MaxValue);

        Assert.NotEmpty(upperHalf.Reminders);
        Assert.Equal(hashes.Where(h => h.Value > int.MaxValue).Select(h => h.Key).Order(), Names(upperHalf));
        Assert.Equal(64, lowerHalf.Reminders.Count + upperHalf.Reminders.Count);
    }

    [Fact]
    public async Task Clearing_the_table_removes_every_reminder()
    {
        await UpsertManyAsync(8);

        await _table.TestOnlyClearTable();

        Assert.Empty((await _table.ReadRows(0, 0)).Reminders);
    }

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

    /// <summary>Registers a reminder on each of <paramref name="count"/> grains; their names by hash.</summary>
    private async Task<Dictionary<string, uint>> UpsertManyAsync(int count)
    {
        var hashes = new Dictionary<string, uint>();
        for (var i = 0; i < count; i++)
        {
            var grain = GrainId.Create("task", $"t{i}");
            await _table.UpsertRow(Entry(grain, $"r{i}"));
            hashes.Add($"r{i}", grain.GetUniformHashCode());
        }
        Assert.Equal(count, hashes.Values.Distinct().Count());
        return hashes;
    }

    private static IEnumerable<string> Names(ReminderTableData rows) => rows.Reminders.Select(r => r.ReminderName).Order();
}
