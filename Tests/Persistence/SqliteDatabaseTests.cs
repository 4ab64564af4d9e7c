using GrainStream.Persistence.Sqlite;
using GrainStream.Streams;
using GrainStream.Tests.Persistence.Specifications;
using GrainStream.Tests.Support;
using Orleans;
using Orleans.Runtime;
using Xunit;

namespace GrainStream.Tests.Persistence;

public sealed class SqliteDatabaseTests : IDisposable
{
    private readonly TemporaryDatabaseFile _file = new();

    public void Dispose() => _file.Dispose();

    [Fact]
    public void Options_have_the_documented_defaults()
    {
        var options = new SqliteStorageOptions();

        Assert.Equal("Data Source=./data/grainstream.db", options.ConnectionString);
        Assert.Equal(SqliteSynchronousMode.Full, options.Synchronous);
        Assert.Equal(TimeSpan.FromSeconds(5), options.BusyTimeout);
        Assert.Equal(64L * 1024 * 1024, options.WalSizeLimit);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.SyncInterval);
        Assert.True(options.CreateDirectory);
    }

    [Fact]
    public async Task Creating_the_schema_creates_the_missing_folder_and_the_file()
    {
        Assert.False(Directory.Exists(_file.Folder));
        using var database = _file.Open();

        await database.EnsureCreatedAsync();

        Assert.True(File.Exists(_file.FilePath));
    }

    [Fact]
    public async Task Without_CreateDirectory_a_missing_folder_is_an_error()
    {
        using var database = _file.Open(options => options.CreateDirectory = false);

        await Assert.ThrowsAnyAsync<Exception>(() => database.EnsureCreatedAsync());
        Assert.False(Directory.Exists(_file.Folder));
    }

    [Fact]
    public async Task Connections_use_write_ahead_logging_full_synchronous_mode_and_a_bounded_wal_by_default()
    {
        using var database = _file.Open();
        await database.EnsureCreatedAsync();

        using var connection = database.OpenConnection();

        Assert.Equal("wal", Pragma(connection, "journal_mode"));
        Assert.Equal(2L, Pragma(connection, "synchronous")); // FULL
        Assert.Equal(64L * 1024 * 1024, Pragma(connection, "journal_size_limit"));
    }

    [Fact]
    public async Task Normal_synchronous_mode_and_another_wal_limit_can_be_chosen()
    {
        using var database = _file.Open(options =>
        {
            options.Synchronous = SqliteSynchronousMode.Normal;
            options.WalSizeLimit = 1024 * 1024;
        });
        await database.EnsureCreatedAsync();

        using var connection = database.OpenConnection();

        Assert.Equal(1L, Pragma(connection, "synchronous")); // NORMAL
        Assert.Equal(1024L * 1024, Pragma(connection, "journal_size_limit"));
    }

    [Fact]
    public async Task In_normal_mode_an_acknowledged_write_is_synced_within_the_sync_interval()
    {
        var clock = new ManualClock();
        using var database = new SqliteDatabase(_file.Options(options =>
        {
            options.Synchronous = SqliteSynchronousMode.Normal;
            options.SyncInterval = TimeSpan.FromMilliseconds(200);
        }), clock);
        await database.EnsureCreatedAsync();

        await database.ProbeWriteAsync();
        await database.ProbeWriteAsync();
        Assert.Equal(2L, database.UnsyncedCommits);

        clock.Advance(TimeSpan.FromMilliseconds(199));
        Assert.Equal(2L, database.UnsyncedCommits);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(0L, database.UnsyncedCommits);

        // The next write starts the interval again.
        await database.ProbeWriteAsync();
        Assert.Equal(1L, database.UnsyncedCommits);
        clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(0L, database.UnsyncedCommits);
    }

    [Fact]
    public async Task In_full_mode_no_commit_waits_for_a_later_sync()
    {
        var clock = new ManualClock();
        using var database = new SqliteDatabase(_file.Options(), clock);
        await database.EnsureCreatedAsync();

        await database.ProbeWriteAsync();

        Assert.Equal(0L, database.UnsyncedCommits);
    }

    [Fact]
    public async Task A_burst_of_writes_does_not_grow_the_wal_past_its_limit()
    {
        // Far fewer writes than between two background checkpoints, each larger than the limit allows
        // many of: without the writer's own checkpoint the WAL would reach several megabytes.
        const long limit = 256 * 1024;
        using var database = _file.Open(options => options.WalSizeLimit = limit);
        var storage = SqliteGrainStorageTests.StorageOn(database);
        var state = new GrainState<RoomState>(new RoomState { Topic = new string('x', 16 * 1024) });
        var largest = 0L;

        for (var i = 0; i < 400; i++)
        {
            state.ETag = null;
            await storage.WriteStateAsync("state", GrainId.Create("room", $"r{i}"), state);
            largest = Math.Max(largest, new FileInfo(database.WalPath!).Length);
        }

        // Each write finds the WAL as the previous one left it: at most the limit, plus that write.
        Assert.InRange(largest, 1, 2 * limit);
        Assert.Equal(400L, Scalar(database, "SELECT COUNT(*) FROM grain_state"));
    }

    [Fact]
    public async Task Creating_the_schema_again_keeps_the_data()
    {
        var room = GrainId.Create("chatroom", "lobby");
        using (var first = _file.Open())
        {
            await SqliteGrainStorageTests.StorageOn(first).WriteStateAsync("state", room, new GrainState<RoomState>(new RoomState { Messages = 1 }));
            await first.EnsureCreatedAsync();
        }

        using var second = _file.Open();
        await second.EnsureCreatedAsync();

        var read = new GrainState<RoomState>(new RoomState());
        await SqliteGrainStorageTests.StorageOn(second).ReadStateAsync("state", room, read);
        Assert.True(read.RecordExists);
        Assert.Equal(1, read.State!.Messages);
    }

    [Fact]
    public async Task Concurrent_first_calls_create_the_schema_once()
    {
        using var database = _file.Open();
        var storage = SqliteGrainStorageTests.StorageOn(database);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => storage.WriteStateAsync("state", GrainId.Create("user", $"u{i}"), new GrainState<RoomState>(new RoomState())))));

        Assert.Equal(8L, Scalar(database, "SELECT COUNT(*) FROM grain_state"));
    }

    [Fact]
    public async Task Concurrent_writers_from_two_database_instances_on_one_file_do_not_fail()
    {
        // Two silos of a test cluster in one process, each with its own database instance on one file.
        using var siloA = _file.Open();
        using var siloB = _file.Open();
        var silos = new[] { siloA, siloB };

        var work = silos.SelectMany((database, silo) => Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            var storage = SqliteGrainStorageTests.StorageOn(database);
            var log = new SqliteEventLog(database, TimeProvider.System);
            var reminders = new SqliteReminderTable(database);
            var grain = GrainId.Create("counter", $"{silo}-{worker}");
            var stream = StreamIds.Create("counter", $"{silo}-{worker}");
            var position = await log.OpenAsync(stream);
            var state = new GrainState<RoomState>(new RoomState());
            for (var i = 1; i <= 25; i++)
            {
                state.State!.Messages = i;
                await storage.WriteStateAsync("state", grain, state);
                await log.AppendAsync(stream, EventLogSpecification.Events(position.Epoch, i, 1, stream));
                await reminders.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "tick", StartAt = DateTime.UtcNow, Period = TimeSpan.FromSeconds(i) });
            }
        })));

        await Task.WhenAll(work);

        // Everything either silo wrote is visible to the other.
        var storageB = SqliteGrainStorageTests.StorageOn(siloB);
        var logA = new SqliteEventLog(siloA, TimeProvider.System);
        var remindersA = new SqliteReminderTable(siloA);
        for (var silo = 0; silo < 2; silo++)
        {
            for (var worker = 0; worker < 8; worker++)
            {
                var grain = GrainId.Create("counter", $"{silo}-{worker}");
                var stored = new GrainState<RoomState>(new RoomState());
                await storageB.ReadStateAsync("state", grain, stored);
                Assert.Equal(25, stored.State!.Messages);
                Assert.Equal(25, (await logA.OpenAsync(StreamIds.Create("counter", $"{silo}-{worker}"))).LastSequence);
                Assert.Equal(TimeSpan.FromSeconds(25), (await remindersA.ReadRow(grain, "tick"))!.Period);
            }
        }
    }

    [Fact]
    public async Task An_append_behind_a_second_writer_on_the_same_file_is_a_conflict()
    {
        using var siloA = _file.Open();
        using var siloB = _file.Open();
        var stream = StreamIds.Create("chat", "contended");
        var logA = new SqliteEventLog(siloA, TimeProvider.System);
        var logB = new SqliteEventLog(siloB, TimeProvider.System);
        var position = await logA.OpenAsync(stream);
        var positionB = await logB.OpenAsync(stream);

        await logA.AppendAsync(stream, EventLogSpecification.Events(position.Epoch, 1, 2, stream));

        // B opened the stream before it had a log: its epoch is not the one the first append stored.
        await Assert.ThrowsAsync<EventLogConflictException>(() => logB.AppendAsync(stream, EventLogSpecification.Events(positionB.Epoch, 1, 1, stream)));
        Assert.Equal(new EventLogPosition(position.Epoch, 1, 2), await logB.OpenAsync(stream));
        await Assert.ThrowsAsync<EventLogConflictException>(() => logB.AppendAsync(stream, EventLogSpecification.Events(position.Epoch, 1, 1, stream)));
        await logB.AppendAsync(stream, EventLogSpecification.Events(position.Epoch, 3, 1, stream));
        Assert.Equal(new EventLogPosition(position.Epoch, 1, 3), await logA.OpenAsync(stream));
    }

    [Fact]
    public async Task Streams_opened_through_two_database_instances_get_different_epochs()
    {
        using var siloA = _file.Open();
        using var siloB = _file.Open();
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);

        var a = await new SqliteEventLog(siloA, clock).OpenAsync(StreamIds.Create("chat", "a"));
        var b = await new SqliteEventLog(siloB, clock).OpenAsync(StreamIds.Create("chat", "b"));
        await new SqliteEventLog(siloA, clock).AppendAsync(StreamIds.Create("chat", "a"), EventLogSpecification.Events(a.Epoch, 1, 1, StreamIds.Create("chat", "a")));
        var sameStream = await new SqliteEventLog(siloB, clock).OpenAsync(StreamIds.Create("chat", "a"));

        Assert.NotEqual(a.Epoch, b.Epoch);
        Assert.Equal(a with { LastSequence = 1 }, sameStream);
    }

    [Fact]
    public async Task Calls_after_dispose_throw_ObjectDisposedException()
    {
        var database = _file.Open();
        await database.EnsureCreatedAsync();
        database.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => SqliteGrainStorageTests.StorageOn(database).WriteStateAsync("state", GrainId.Create("user", "u"), new GrainState<RoomState>(new RoomState())));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => new SqliteReminderTable(database).UpsertRow(new ReminderEntry { GrainId = GrainId.Create("user", "u"), ReminderName = "r" }));
    }

    [Fact]
    public void Options_out_of_range_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteDatabase(new SqliteStorageOptions { BusyTimeout = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteDatabase(new SqliteStorageOptions { WalSizeLimit = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteDatabase(new SqliteStorageOptions { SyncInterval = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteDatabase(new SqliteStorageOptions { Synchronous = (SqliteSynchronousMode)7 }));
    }

    [Fact]
    public void ForFile_quotes_paths_that_need_it()
    {
        var path = Path.Combine(_file.Folder, "a;b 'c'.db");

        var connectionString = SqliteConnectionStrings.ForFile(path);

        Assert.Equal(path, new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource);
    }

    private static object? Pragma(Microsoft.Data.Sqlite.SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return command.ExecuteScalar();
    }

    /// <summary>Runs a query on a connection of its own and returns its single value.</summary>
    internal static object? Scalar(SqliteDatabase database, string sql)
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
