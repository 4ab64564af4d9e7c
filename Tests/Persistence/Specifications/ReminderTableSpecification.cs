namespace GrainStream.Tests.Persistence.Specifications;

/// <summary>The contract of a reminder table (<see cref="IReminderTable"/>), stated once for every
/// provider. A class per provider derives from it, supplies a fresh store for each test (xunit makes
/// one instance per test) and adds the tests only its provider can answer.</summary>
public abstract class ReminderTableSpecification : IAsyncLifetime
{
    protected static readonly GrainId Task1 = GrainId.Create("task", "t1");
    protected static readonly DateTime StartAt = new(2026, 5, 6, 7, 8, 9, DateTimeKind.Utc);

    private IReminderTable? _table;

    /// <summary>The reminder table under test, on the test's store.</summary>
    protected IReminderTable Table => _table ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>Creates the test's empty store.</summary>
    protected abstract Task CreateStoreAsync();

    /// <summary>Releases the test's store and whatever the test opened on it.</summary>
    protected abstract Task DisposeStoreAsync();

    /// <summary>A reminder table on the test's store.</summary>
    protected abstract IReminderTable CreateTable();

    async Task IAsyncLifetime.InitializeAsync()
    {
        await CreateStoreAsync();
        _table = CreateTable();
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeStoreAsync();

    protected static ReminderEntry Entry(GrainId grainId, string name = "lease", TimeSpan? period = null)
        => new() { GrainId = grainId, ReminderName = name, StartAt = StartAt, Period = period ?? TimeSpan.FromMinutes(1) };

    [Fact]
    public async Task Reading_a_missing_reminder_returns_null()
    {
        Assert.Null(await Table.ReadRow(Task1, "lease"));
        Assert.Empty((await Table.ReadRows(Task1)).Reminders);
    }

    [Fact]
    public async Task Upsert_stores_the_reminder_and_returns_its_etag()
    {
        var etag = await Table.UpsertRow(Entry(Task1, period: TimeSpan.FromSeconds(90)));

        var read = await Table.ReadRow(Task1, "lease");

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

        await Table.UpsertRow(entry);

        Assert.Equal(StartAt, (await Table.ReadRow(Task1, "lease"))!.StartAt);
    }

    [Fact]
    public async Task Upsert_of_an_existing_reminder_replaces_it_with_a_new_etag()
    {
        var first = await Table.UpsertRow(Entry(Task1, period: TimeSpan.FromMinutes(1)));

        var second = await Table.UpsertRow(Entry(Task1, period: TimeSpan.FromMinutes(5)));

        Assert.NotEqual(first, second);
        var row = Assert.Single((await Table.ReadRows(Task1)).Reminders);
        Assert.Equal(TimeSpan.FromMinutes(5), row.Period);
        Assert.Equal(second, row.ETag);
    }

    [Fact]
    public async Task Reading_by_grain_returns_that_grains_reminders_only()
    {
        await Table.UpsertRow(Entry(Task1, "lease"));
        await Table.UpsertRow(Entry(Task1, "retry"));
        await Table.UpsertRow(Entry(GrainId.Create("task", "t2"), "lease"));

        var ofTask1 = (await Table.ReadRows(Task1)).Reminders;

        Assert.Equal(["lease", "retry"], ofTask1.Select(r => r.ReminderName).Order());
        Assert.All(ofTask1, r => Assert.Equal(Task1, r.GrainId));
    }

    [Fact]
    public async Task Remove_with_the_current_etag_removes_the_reminder()
    {
        var etag = await Table.UpsertRow(Entry(Task1));

        Assert.True(await Table.RemoveRow(Task1, "lease", etag!));

        Assert.Null(await Table.ReadRow(Task1, "lease"));
    }

    [Fact]
    public async Task Remove_with_a_wrong_etag_is_refused_and_keeps_the_reminder()
    {
        var stale = await Table.UpsertRow(Entry(Task1));
        var current = await Table.UpsertRow(Entry(Task1));

        Assert.False(await Table.RemoveRow(Task1, "lease", stale!));
        Assert.False(await Table.RemoveRow(Task1, "lease", "made-up"));
        Assert.False(await Table.RemoveRow(Task1, "missing", current!));

        Assert.Equal(current, (await Table.ReadRow(Task1, "lease"))!.ETag);
    }

    [Fact]
    public async Task Remove_of_a_missing_reminder_returns_false()
    {
        Assert.False(await Table.RemoveRow(Task1, "lease", "whatever"));
    }

    [Fact]
    public async Task Reading_a_range_returns_the_reminders_hashed_above_begin_up_to_and_including_end()
    {
        var hashes = await UpsertManyAsync(64);
        var sorted = hashes.Values.Order().ToArray();
        var low = sorted[10];
        var high = sorted[50];

        var rows = await Table.ReadRows(low, high);

        // (low, high]: not the grain hashed exactly at low, but the one at high.
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

        var rows = await Table.ReadRows(begin, end);

        Assert.Equal(hashes.Where(h => h.Value > begin || h.Value <= end).Select(h => h.Key).Order(), Names(rows));
        Assert.Equal(13 + 11, rows.Reminders.Count);
    }

    [Fact]
    public async Task Reading_a_range_that_begins_where_it_ends_returns_the_whole_ring()
    {
        var hashes = await UpsertManyAsync(16);
        var begin = hashes.Values.Min();

        Assert.Equal(16, (await Table.ReadRows(begin, begin)).Reminders.Count);
        Assert.Equal(16, (await Table.ReadRows(0, 0)).Reminders.Count);
    }

    [Fact]
    public async Task Hashes_in_the_upper_half_of_the_ring_are_stored_as_unsigned()
    {
        var hashes = await UpsertManyAsync(64);

        var upperHalf = await Table.ReadRows(int.MaxValue, uint.MaxValue);

        Assert.NotEmpty(upperHalf.Reminders);
        Assert.Equal(hashes.Where(h => h.Value > int.MaxValue).Select(h => h.Key).Order(), Names(upperHalf));
        // Wrapping from the top of the ring: nothing above uint.MaxValue, so [0, int.MaxValue].
        var lowerHalf = await Table.ReadRows(uint.MaxValue, int.MaxValue);
        Assert.Equal(64, lowerHalf.Reminders.Count + upperHalf.Reminders.Count);
    }

    [Fact]
    public async Task Clearing_the_table_removes_every_reminder()
    {
        await UpsertManyAsync(8);

        await Table.TestOnlyClearTable();

        Assert.Empty((await Table.ReadRows(0, 0)).Reminders);
    }

    /// <summary>Registers a reminder on each of <paramref name="count"/> grains; their names by hash.</summary>
    private async Task<Dictionary<string, uint>> UpsertManyAsync(int count)
    {
        var hashes = new Dictionary<string, uint>();
        for (var i = 0; i < count; i++)
        {
            var grain = GrainId.Create("task", $"t{i}");
            await Table.UpsertRow(Entry(grain, $"r{i}"));
            hashes.Add($"r{i}", grain.GetUniformHashCode());
        }
        Assert.Equal(count, hashes.Values.Distinct().Count());
        return hashes;
    }

    private static IEnumerable<string> Names(ReminderTableData rows) => rows.Reminders.Select(r => r.ReminderName).Order();
}
