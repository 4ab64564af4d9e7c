using GrainStream.Persistence.Sqlite;
using GrainStream.Streams;
using GrainStream.Tests.Persistence.Specifications;

namespace GrainStream.Tests.Persistence;

/// <summary>The event log contract (<see cref="EventLogSpecification"/>) on a SQLite file, and what
/// only SQLite does: epochs outlive the file being reopened, and an append that fails inside its
/// transaction leaves nothing behind.</summary>
public sealed class SqliteEventLogTests : EventLogSpecification
{
    private readonly TemporaryDatabaseFile _file = new();
    private readonly List<SqliteDatabase> _databases = [];
    private SqliteDatabase _database = null!;

    protected override Task CreateStoreAsync()
    {
        _database = Open();
        return Task.CompletedTask;
    }

    protected override Task DisposeStoreAsync()
    {
        foreach (var database in _databases) database.Dispose();
        _file.Dispose();
        return Task.CompletedTask;
    }

    protected override IEventLog CreateLog(TimeProvider clock) => new SqliteEventLog(_database, clock);

    protected override Task RemoveStreamLogsByHandAsync() => ExecuteByHandAsync("DELETE FROM stream_log");

    protected override Task<long> StoredEventCountAsync() => Task.FromResult((long)SqliteDatabaseTests.Scalar(_database, "SELECT COUNT(*) FROM stream_event")!);

    protected override Task<long> StoredStreamLogCountAsync() => Task.FromResult((long)SqliteDatabaseTests.Scalar(_database, "SELECT COUNT(*) FROM stream_log")!);

    /// <summary>Another database instance on the test's file.</summary>
    private SqliteDatabase Open()
    {
        var database = _file.Open();
        _databases.Add(database);
        return database;
    }

    /// <summary>Runs <paramref name="sql"/> on a connection of its own, as an operator (or a bug) outside the log would.</summary>
    private Task ExecuteByHandAsync(string sql)
    {
        using var connection = _database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Epoch_survives_reopening_the_file()
    {
        var opened = await Log.OpenAsync(Lobby);
        await Log.AppendAsync(Lobby, Events(opened.Epoch, 1, 5));
        _database.Dispose();

        var log = new SqliteEventLog(Open(), TimeProvider.System);
        var position = await log.OpenAsync(Lobby);
        var events = await log.ReadAsync(Lobby, 0, 100);

        Assert.Equal(new EventLogPosition(opened.Epoch, 1, 5), position);
        Assert.Equal([1L, 2, 3, 4, 5], events.Select(e => e.Position.Sequence));
        Assert.All(events, e => Assert.Equal(opened.Epoch, e.Position.Epoch));
    }

    [Fact]
    public async Task An_append_that_fails_halfway_leaves_nothing_behind_and_the_log_usable()
    {
        var position = await Log.OpenAsync(Lobby);
        // A trigger refusing the batch's second event makes the insert fail after the first succeeded.
        await ExecuteByHandAsync("CREATE TRIGGER refuse_second BEFORE INSERT ON stream_event WHEN NEW.stream_key = 'lobby' AND NEW.seq = 2 BEGIN SELECT RAISE(ABORT, 'refused'); END");

        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => Log.AppendAsync(Lobby, Events(position.Epoch, 1, 3)));

        // Not even the log row of the first append was kept: the stream is still one without a log.
        Assert.Equal((1L, 0L), await Log.OpenAsync(Lobby) is var reopened ? (reopened.FirstSequence, reopened.LastSequence) : default);
        Assert.Equal(0L, await StoredStreamLogCountAsync());
        Assert.Empty(await Log.ReadAsync(Lobby, 0, 100));
        var other = StreamIds.Create("chat", "other");
        var otherPosition = await Log.OpenAsync(other);
        await Log.AppendAsync(other, Events(otherPosition.Epoch, 1, 2, other));
        Assert.Equal(2, (await Log.ReadAsync(other, 0, 100)).Count);
    }

    [Fact]
    public async Task A_new_file_vacuums_incrementally_and_trimming_hands_the_freed_pages_back()
    {
        await _database.EnsureCreatedAsync();
        Assert.Equal(2L, SqliteDatabaseTests.Scalar(_database, "PRAGMA auto_vacuum")); // 2: INCREMENTAL
        var position = await Log.OpenAsync(Lobby);
        var payload = new byte[2048];
        var events = Enumerable.Range(1, 1000).Select(i => new StreamEvent(Lobby, new EventPosition(position.Epoch, i), "message", DateTimeOffset.UtcNow, payload)).ToArray();
        await Log.AppendAsync(Lobby, events);
        var pagesBefore = (long)SqliteDatabaseTests.Scalar(_database, "PRAGMA page_count")!;

        await Log.TrimAsync(Lobby, new EventRetention(1, [], 1, TimeSpan.Zero), DateTimeOffset.UtcNow, batchSize: 250);

        Assert.Equal(0L, SqliteDatabaseTests.Scalar(_database, "PRAGMA freelist_count"));
        var pagesAfter = (long)SqliteDatabaseTests.Scalar(_database, "PRAGMA page_count")!;
        Assert.True(pagesAfter < pagesBefore / 10, $"{pagesAfter} pages after the trim, {pagesBefore} before");
    }
}
