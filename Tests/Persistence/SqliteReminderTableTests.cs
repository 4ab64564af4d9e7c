using GrainStream.Persistence.Sqlite;
using GrainStream.Tests.Persistence.Specifications;

namespace GrainStream.Tests.Persistence;

/// <summary>The reminder table contract (<see cref="ReminderTableSpecification"/>) on a SQLite file,
/// and what only SQLite does: starting creates the file, and reminders outlive it being reopened.</summary>
public sealed class SqliteReminderTableTests : ReminderTableSpecification
{
    private readonly TemporaryDatabaseFile _file = new();
    private SqliteDatabase _database = null!;

    protected override Task CreateStoreAsync()
    {
        _database = _file.Open();
        return Task.CompletedTask;
    }

    protected override Task DisposeStoreAsync()
    {
        _database?.Dispose();
        _file.Dispose();
        return Task.CompletedTask;
    }

    protected override IReminderTable CreateTable() => new SqliteReminderTable(_database);

    [Fact]
    public async Task Starting_creates_the_database_file()
    {
        await Table.StartAsync();

        Assert.True(File.Exists(_file.FilePath));
    }

    [Fact]
    public async Task Reminders_survive_reopening_the_database_file()
    {
        var etag = await Table.UpsertRow(Entry(Task1, period: TimeSpan.FromMinutes(2)));
        _database.Dispose();

        using var reopened = _file.Open();
        var table = new SqliteReminderTable(reopened);
        await table.StartAsync();
        var read = await table.ReadRow(Task1, "lease");

        Assert.NotNull(read);
        Assert.Equal(etag, read.ETag);
        Assert.Equal(StartAt, read.StartAt);
        Assert.Equal(TimeSpan.FromMinutes(2), read.Period);
        var hash = Task1.GetUniformHashCode();
        Assert.Single((await table.ReadRows(hash - 1, hash)).Reminders);
    }
}
