using GrainStream.Sqlite;
using GrainStream.Storage;
using GrainStream.Streams;
using Xunit;

namespace GrainStream.Tests.Sqlite;

public sealed class SqliteDatabaseTests : IDisposable
{
    private readonly TemporaryDatabaseFile _file = new();

    public void Dispose() => _file.Dispose();

    [Fact]
    public void Options_have_the_documented_defaults()
    {
        var options = new SqliteStorageOptions();

        Assert.Equal("Data Source=./data/grainstream.db", options.ConnectionString);
        Assert.Equal(TimeSpan.FromSeconds(5), options.BusyTimeout);
        Assert.Equal(10_000, options.MaxEventsPerStream);
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
    public async Task Connections_use_write_ahead_logging_and_normal_synchronous_mode()
    {
        using var database = _file.Open();
        await database.EnsureCreatedAsync();

        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        var journalMode = (string?)command.ExecuteScalar();
        command.CommandText = "PRAGMA synchronous";
        var synchronous = (long?)command.ExecuteScalar();

        Assert.Equal("wal", journalMode);
        Assert.Equal(1L, synchronous); // NORMAL
    }

    [Fact]
    public async Task Creating_the_schema_again_keeps_the_data()
    {
        var room = new GrainId("chatroom", "lobby");
        using (var first = _file.Open())
        {
            await new SqliteGrainStorage(first, TimeProvider.System).WriteAsync("state", room, "{}"u8.ToArray(), null);
            await first.EnsureCreatedAsync();
        }

        using var second = _file.Open();
        await second.EnsureCreatedAsync();

        Assert.NotNull(await new SqliteGrainStorage(second, TimeProvider.System).ReadAsync("state", room));
    }

    [Fact]
    public async Task Concurrent_first_calls_create_the_schema_once()
    {
        using var database = _file.Open();
        var storage = new SqliteGrainStorage(database, TimeProvider.System);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => storage.WriteAsync("state", new GrainId("user", $"u{i}"), "{}"u8.ToArray(), null))));

        for (var i = 0; i < 8; i++) Assert.NotNull(await storage.ReadAsync("state", new GrainId("user", $"u{i}")));
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
            var storage = new SqliteGrainStorage(database, TimeProvider.System);
            var log = new SqliteEventLog(database, TimeProvider.System);
            var grain = new GrainId("counter", $"{silo}-{worker}");
            var stream = new StreamId("counter", $"{silo}-{worker}");
            var position = await log.OpenAsync(stream);
            string? etag = null;
            for (var i = 1; i <= 25; i++)
            {
                etag = await storage.WriteAsync("state", grain, System.Text.Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"), etag);
                await log.AppendAsync(stream, SqliteEventLogTests.Events(position.Epoch, i, 1, stream));
            }
        })));

        await Task.WhenAll(work);

        // Everything either silo wrote is visible to the other.
        var storageB = new SqliteGrainStorage(siloB, TimeProvider.System);
        var logA = new SqliteEventLog(siloA, TimeProvider.System);
        for (var silo = 0; silo < 2; silo++)
        {
            for (var worker = 0; worker < 8; worker++)
            {
                var stored = await storageB.ReadAsync("state", new GrainId("counter", $"{silo}-{worker}"));
                Assert.Equal("{\"n\":25}"u8.ToArray(), stored!.Data.ToArray());
                Assert.Equal(25, (await logA.OpenAsync(new StreamId("counter", $"{silo}-{worker}"))).LastSequence);
            }
        }
    }

    [Fact]
    public async Task An_append_behind_a_second_writer_on_the_same_file_is_a_conflict()
    {
        using var siloA = _file.Open();
        using var siloB = _file.Open();
        var stream = new StreamId("chat", "contended");
        var logA = new SqliteEventLog(siloA, TimeProvider.System);
        var logB = new SqliteEventLog(siloB, TimeProvider.System);
        var position = await logA.OpenAsync(stream);
        Assert.Equal(position, await logB.OpenAsync(stream));

        await logA.AppendAsync(stream, SqliteEventLogTests.Events(position.Epoch, 1, 2, stream));

        await Assert.ThrowsAsync<EventLogConflictException>(() => logB.AppendAsync(stream, SqliteEventLogTests.Events(position.Epoch, 1, 1, stream)));
        await logB.AppendAsync(stream, SqliteEventLogTests.Events(position.Epoch, 3, 1, stream));
        Assert.Equal(new EventLogPosition(position.Epoch, 1, 3), await logA.OpenAsync(stream));
    }

    [Fact]
    public async Task Streams_opened_through_two_database_instances_get_different_epochs()
    {
        using var siloA = _file.Open();
        using var siloB = _file.Open();
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);

        var a = await new SqliteEventLog(siloA, clock).OpenAsync(new StreamId("chat", "a"));
        var b = await new SqliteEventLog(siloB, clock).OpenAsync(new StreamId("chat", "b"));
        var sameStream = await new SqliteEventLog(siloB, clock).OpenAsync(new StreamId("chat", "a"));

        Assert.NotEqual(a.Epoch, b.Epoch);
        Assert.Equal(a, sameStream);
    }

    [Fact]
    public async Task Calls_after_dispose_throw_ObjectDisposedException()
    {
        var database = _file.Open();
        await database.EnsureCreatedAsync();
        database.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => new SqliteGrainStorage(database, TimeProvider.System).WriteAsync("state", new GrainId("user", "u"), "{}"u8.ToArray(), null));
    }

    [Fact]
    public void Options_out_of_range_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteDatabase(new SqliteStorageOptions { MaxEventsPerStream = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteDatabase(new SqliteStorageOptions { BusyTimeout = TimeSpan.FromSeconds(-1) }));
    }

    [Fact]
    public void ForFile_quotes_paths_that_need_it()
    {
        var path = Path.Combine(_file.Folder, "a;b 'c'.db");

        var connectionString = SqliteConnectionStrings.ForFile(path);

        Assert.Equal(path, new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource);
    }
}
