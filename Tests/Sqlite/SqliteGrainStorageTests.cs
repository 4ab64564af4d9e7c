using GrainStream.Sqlite;
using GrainStream.Storage;
using Xunit;

namespace GrainStream.Tests.Sqlite;

public sealed class SqliteGrainStorageTests : IDisposable
{
    private static readonly GrainId Room = new("chatroom", "lobby");
    private static readonly byte[] Json = """{"messages":3}"""u8.ToArray();

    private readonly TemporaryDatabaseFile _file = new();
    private readonly SqliteDatabase _database;
    private readonly SqliteGrainStorage _storage;

    public SqliteGrainStorageTests()
    {
        _database = _file.Open();
        _storage = new SqliteGrainStorage(_database, TimeProvider.System);
    }

    public void Dispose()
    {
        _database.Dispose();
        _file.Dispose();
    }

    [Fact]
    public async Task Read_of_missing_state_returns_null()
    {
        Assert.Null(await _storage.ReadAsync("state", Room));
    }

    [Fact]
    public async Task First_write_with_null_etag_stores_the_state_and_returns_its_etag()
    {
        var etag = await _storage.WriteAsync("state", Room, Json, expectedEtag: null);

        var stored = await _storage.ReadAsync("state", Room);
        Assert.NotNull(stored);
        Assert.Equal(etag, stored.Etag);
        Assert.Equal(Json, stored.Data.ToArray());
    }

    [Fact]
    public async Task Payload_bytes_round_trip_exactly()
    {
        var every = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        // A slice of a larger array, to cover memory that is not a whole array.
        var framed = new byte[every.Length + 20];
        every.CopyTo(framed, 10);

        await _storage.WriteAsync("whole", Room, every, null);
        await _storage.WriteAsync("slice", Room, framed.AsMemory(10, every.Length), null);
        await _storage.WriteAsync("empty", Room, ReadOnlyMemory<byte>.Empty, null);

        Assert.Equal(every, (await _storage.ReadAsync("whole", Room))!.Data.ToArray());
        Assert.Equal(every, (await _storage.ReadAsync("slice", Room))!.Data.ToArray());
        Assert.Empty((await _storage.ReadAsync("empty", Room))!.Data.ToArray());
    }

    [Fact]
    public async Task Write_with_null_etag_when_state_exists_throws_InconsistentStateException()
    {
        var etag = await _storage.WriteAsync("state", Room, Json, null);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteAsync("state", Room, "{}"u8.ToArray(), null));

        Assert.Equal(etag, error.StoredEtag);
        Assert.Null(error.CurrentEtag);
        Assert.Equal(Json, (await _storage.ReadAsync("state", Room))!.Data.ToArray());
    }

    [Fact]
    public async Task Write_with_current_etag_replaces_the_state_and_returns_a_new_etag()
    {
        var first = await _storage.WriteAsync("state", Room, Json, null);

        var second = await _storage.WriteAsync("state", Room, "{}"u8.ToArray(), first);

        Assert.NotEqual(first, second);
        var stored = await _storage.ReadAsync("state", Room);
        Assert.Equal(second, stored!.Etag);
        Assert.Equal("{}"u8.ToArray(), stored.Data.ToArray());
    }

    [Fact]
    public async Task Write_with_stale_etag_throws_InconsistentStateException()
    {
        var stale = await _storage.WriteAsync("state", Room, Json, null);
        var current = await _storage.WriteAsync("state", Room, Json, stale);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteAsync("state", Room, "{}"u8.ToArray(), stale));

        Assert.Equal(current, error.StoredEtag);
        Assert.Equal(stale, error.CurrentEtag);
        Assert.Contains("chatroom/lobby", error.Message);
        Assert.Contains("'state'", error.Message);
        Assert.Contains(current, error.Message);
        Assert.Contains(stale, error.Message);
        Assert.Equal(Json, (await _storage.ReadAsync("state", Room))!.Data.ToArray());
    }

    [Fact]
    public async Task Write_with_an_etag_when_nothing_is_stored_throws_InconsistentStateException()
    {
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteAsync("state", Room, Json, "made-up"));

        Assert.Null(error.StoredEtag);
        Assert.Null(await _storage.ReadAsync("state", Room));
    }

    [Fact]
    public async Task Clear_with_current_etag_deletes_the_state()
    {
        var etag = await _storage.WriteAsync("state", Room, Json, null);

        await _storage.ClearAsync("state", Room, etag);

        Assert.Null(await _storage.ReadAsync("state", Room));
    }

    [Fact]
    public async Task Clear_with_stale_etag_throws_and_keeps_the_state()
    {
        var stale = await _storage.WriteAsync("state", Room, Json, null);
        var current = await _storage.WriteAsync("state", Room, Json, stale);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearAsync("state", Room, stale));

        Assert.Equal(current, error.StoredEtag);
        Assert.Equal(current, (await _storage.ReadAsync("state", Room))!.Etag);
    }

    [Fact]
    public async Task Clear_with_null_etag_when_state_exists_throws_and_keeps_the_state()
    {
        var etag = await _storage.WriteAsync("state", Room, Json, null);

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearAsync("state", Room, null));

        Assert.Equal(etag, (await _storage.ReadAsync("state", Room))!.Etag);
    }

    [Fact]
    public async Task Clear_of_missing_state_with_null_etag_is_a_no_op()
    {
        await _storage.ClearAsync("state", Room, null);

        Assert.Null(await _storage.ReadAsync("state", Room));
    }

    [Fact]
    public async Task Write_with_the_etag_of_cleared_state_is_rejected_after_the_state_is_written_again()
    {
        var old = await _storage.WriteAsync("state", Room, Json, null);
        await _storage.ClearAsync("state", Room, old);
        await _storage.WriteAsync("state", Room, "{}"u8.ToArray(), null);

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteAsync("state", Room, Json, old));
    }

    [Fact]
    public async Task States_are_kept_apart_by_grain_type_key_and_state_name()
    {
        await _storage.WriteAsync("state", new GrainId("chatroom", "a"), "1"u8.ToArray(), null);
        await _storage.WriteAsync("state", new GrainId("chatroom", "b"), "2"u8.ToArray(), null);
        await _storage.WriteAsync("state", new GrainId("user", "a"), "3"u8.ToArray(), null);
        await _storage.WriteAsync("other", new GrainId("chatroom", "a"), "4"u8.ToArray(), null);

        Assert.Equal("1"u8.ToArray(), (await _storage.ReadAsync("state", new GrainId("chatroom", "a")))!.Data.ToArray());
        Assert.Equal("2"u8.ToArray(), (await _storage.ReadAsync("state", new GrainId("chatroom", "b")))!.Data.ToArray());
        Assert.Equal("3"u8.ToArray(), (await _storage.ReadAsync("state", new GrainId("user", "a")))!.Data.ToArray());
        Assert.Equal("4"u8.ToArray(), (await _storage.ReadAsync("other", new GrainId("chatroom", "a")))!.Data.ToArray());
    }

    [Fact]
    public async Task State_survives_reopening_the_file()
    {
        var etag = await _storage.WriteAsync("state", Room, Json, null);
        _database.Dispose();

        using var reopened = _file.Open();
        var stored = await new SqliteGrainStorage(reopened, TimeProvider.System).ReadAsync("state", Room);

        Assert.Equal(etag, stored!.Etag);
        Assert.Equal(Json, stored.Data.ToArray());
    }

    [Fact]
    public async Task Of_concurrent_writers_with_the_same_etag_exactly_one_wins()
    {
        var etag = await _storage.WriteAsync("state", Room, Json, null);

        var attempts = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            try
            {
                await _storage.WriteAsync("state", Room, Json, etag);
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));

        Assert.Single(await Task.WhenAll(attempts), won => won);
    }
}
