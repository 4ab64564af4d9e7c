using System.Text;
using GrainStream.Persistence.Postgres;
using GrainStream.Streams;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace GrainStream.Tests.Persistence.Postgres;

public sealed class PostgresGrainStorageTests : IAsyncLifetime
{
    private static readonly GrainId Room = GrainId.Create("chatroom", "lobby");

    private readonly PostgresTestDatabase _db = new();
    private PostgresGrainStorage _storage = null!;

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        _storage = Storage(_db.Database);
    }

    public Task DisposeAsync() => _db.DisposeAsync();

    private static PostgresGrainStorage Storage(PostgresDatabase database, PostgresSiloFence? fence = null)
        => new(database, new EventPayloadSerializer(Options.Create(new GrainStreamJsonOptions())), TimeProvider.System, fence ?? PostgresSiloFence.None);

    private static GrainState<RoomState> State(int messages = 3, string? etag = null)
        => new(new RoomState { Messages = messages, Topic = "général ☕", Members = ["ann", "bo"] }, etag);

    private async Task<GrainState<RoomState>> ReadAsync(PostgresGrainStorage? storage = null)
    {
        var read = new GrainState<RoomState>(new RoomState { Messages = -1 });
        await (storage ?? _storage).ReadStateAsync("state", Room, read);
        return read;
    }

    [Fact]
    public async Task Reading_missing_state_gives_a_new_state_without_etag()
    {
        var given = new RoomState { Messages = 7 };
        var read = new GrainState<RoomState>(given, "left-over");

        await _storage.ReadStateAsync("state", Room, read);

        Assert.NotSame(given, read.State);
        Assert.Equal(0, read.State!.Messages);
        Assert.Null(read.ETag);
        Assert.False(read.RecordExists);
    }

    [Fact]
    public async Task State_round_trips_with_the_row_version_as_etag()
    {
        var written = State(messages: 42);
        written.State!.ClosedAt = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(1));

        await _storage.WriteStateAsync("state", Room, written);
        var read = await ReadAsync();

        Assert.Equal("1", written.ETag);
        Assert.True(written.RecordExists);
        Assert.Equal("1", read.ETag);
        Assert.True(read.RecordExists);
        Assert.Equal(42, read.State!.Messages);
        Assert.Equal("général ☕", read.State.Topic);
        Assert.Equal(["ann", "bo"], read.State.Members);
        Assert.Equal(written.State.ClosedAt, read.State.ClosedAt);
    }

    [Fact]
    public async Task State_is_stored_as_the_same_camel_case_utf8_json_as_in_sqlite()
    {
        await _storage.WriteStateAsync("state", Room, new GrainState<RoomState>(new RoomState { Messages = 3, Members = ["ann"] }));

        var data = (byte[])(await _db.ScalarAsync("SELECT data FROM gs_grain_state"))!;

        Assert.Equal("""{"messages":3,"topic":null,"members":["ann"],"closedAt":null}""", Encoding.UTF8.GetString(data));
        Assert.Equal("chatroom|lobby|state", await _db.ScalarAsync("SELECT grain_type || '|' || grain_key || '|' || state_name FROM gs_grain_state"));
    }

    [Fact]
    public async Task Each_write_increments_the_version()
    {
        var state = State(messages: 1);
        await _storage.WriteStateAsync("state", Room, state);

        state.State!.Messages = 2;
        await _storage.WriteStateAsync("state", Room, state);

        Assert.Equal("2", state.ETag);
        var read = await ReadAsync();
        Assert.Equal("2", read.ETag);
        Assert.Equal(2, read.State!.Messages);
    }

    [Fact]
    public async Task Writing_with_a_stale_etag_throws_InconsistentStateException_and_keeps_the_state()
    {
        var state = State(messages: 1);
        await _storage.WriteStateAsync("state", Room, state);
        var stale = state.ETag!;
        await _storage.WriteStateAsync("state", Room, state);
        var behind = State(messages: 99, etag: stale);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("state", Room, behind));

        Assert.Equal(state.ETag, error.StoredEtag);
        Assert.Equal(stale, error.CurrentEtag);
        Assert.Contains("chatroom/lobby", error.Message);
        Assert.Contains("'state'", error.Message);
        Assert.Equal(stale, behind.ETag);
        Assert.Equal(1, (await ReadAsync()).State!.Messages);
    }

    [Theory]
    [InlineData("made-up")]
    [InlineData("7")]
    [InlineData("-1")]
    public async Task Writing_with_an_etag_that_was_never_handed_out_throws_InconsistentStateException(string etag)
    {
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("state", Room, State(etag: etag)));
        var existing = State();
        await _storage.WriteStateAsync("state", Room, existing);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("state", Room, State(etag: etag)));

        Assert.Equal(existing.ETag, error.StoredEtag);
        Assert.Equal(etag, error.CurrentEtag);
    }

    [Fact]
    public async Task Writing_without_etag_when_state_exists_throws_InconsistentStateException()
    {
        var first = State(messages: 1);
        await _storage.WriteStateAsync("state", Room, first);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("state", Room, State(messages: 2)));

        Assert.Equal(first.ETag, error.StoredEtag);
        Assert.Null(error.CurrentEtag);
        Assert.Equal(1, (await ReadAsync()).State!.Messages);
    }

    [Fact]
    public async Task Of_concurrent_first_writes_from_two_processes_exactly_one_wins()
    {
        await using var other = _db.Open();
        PostgresGrainStorage[] storages = [_storage, Storage(other)];

        var attempts = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            try
            {
                await storages[i % 2].WriteStateAsync("state", Room, State(messages: i));
                return i;
            }
            catch (InconsistentStateException)
            {
                return -1;
            }
        }));

        var winner = Assert.Single(await Task.WhenAll(attempts), i => i >= 0);
        var read = await ReadAsync();
        Assert.Equal(winner, read.State!.Messages);
        Assert.Equal("1", read.ETag);
    }

    [Fact]
    public async Task Of_concurrent_writers_with_the_same_etag_exactly_one_wins()
    {
        var state = State();
        await _storage.WriteStateAsync("state", Room, state);
        var etag = state.ETag;

        var attempts = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            try
            {
                await _storage.WriteStateAsync("state", Room, State(messages: i, etag: etag));
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));

        Assert.Single(await Task.WhenAll(attempts), won => won);
        Assert.Equal("2", (await ReadAsync()).ETag);
    }

    [Fact]
    public async Task Clearing_resets_the_grain_state_and_reads_give_nothing()
    {
        var state = State(messages: 3);
        await _storage.WriteStateAsync("state", Room, state);
        var written = state.State;

        await _storage.ClearStateAsync("state", Room, state);

        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        Assert.NotSame(written, state.State);
        Assert.Equal(0, state.State!.Messages);
        var read = await ReadAsync();
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
    }

    [Fact]
    public async Task Clearing_keeps_the_row_counting_so_an_etag_from_before_the_clear_never_matches_again()
    {
        var state = State();
        await _storage.WriteStateAsync("state", Room, state);
        var old = state.ETag;
        await _storage.ClearStateAsync("state", Room, state);

        state.State!.Messages = 4;
        await _storage.WriteStateAsync("state", Room, state);

        Assert.Equal("3", state.ETag);
        Assert.Equal(4, (await ReadAsync()).State!.Messages);
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("state", Room, State(etag: old)));
        Assert.Equal(1L, await _db.CountAsync("gs_grain_state"));
    }

    [Fact]
    public async Task Clearing_with_a_stale_etag_throws_InconsistentStateException_and_keeps_the_state()
    {
        var state = State();
        await _storage.WriteStateAsync("state", Room, state);
        var stale = state.ETag;
        await _storage.WriteStateAsync("state", Room, state);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearStateAsync("state", Room, State(etag: stale)));

        Assert.Equal(state.ETag, error.StoredEtag);
        Assert.Equal(state.ETag, (await ReadAsync()).ETag);
    }

    [Fact]
    public async Task Clearing_without_etag_is_a_no_op_when_nothing_is_stored_and_refused_when_something_is()
    {
        await _storage.ClearStateAsync("state", Room, State());
        Assert.False((await ReadAsync()).RecordExists);

        var state = State();
        await _storage.WriteStateAsync("state", Room, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearStateAsync("state", Room, State()));
        Assert.Equal(state.ETag, (await ReadAsync()).ETag);
    }

    [Fact]
    public async Task States_are_kept_apart_by_grain_type_key_and_state_name()
    {
        await _storage.WriteStateAsync("state", GrainId.Create("chatroom", "a"), State(messages: 1));
        await _storage.WriteStateAsync("state", GrainId.Create("chatroom", "b"), State(messages: 2));
        await _storage.WriteStateAsync("state", GrainId.Create("user", "a"), State(messages: 3));
        await _storage.WriteStateAsync("other", GrainId.Create("chatroom", "a"), State(messages: 4));

        async Task<int> Messages(string name, GrainId grain)
        {
            var read = new GrainState<RoomState>();
            await _storage.ReadStateAsync(name, grain, read);
            return read.State!.Messages;
        }

        Assert.Equal(1, await Messages("state", GrainId.Create("chatroom", "a")));
        Assert.Equal(2, await Messages("state", GrainId.Create("chatroom", "b")));
        Assert.Equal(3, await Messages("state", GrainId.Create("user", "a")));
        Assert.Equal(4, await Messages("other", GrainId.Create("chatroom", "a")));
    }

    [Fact]
    public async Task Writes_and_clears_of_a_silo_declared_dead_throw_SiloFencedException_and_change_nothing()
    {
        var storage = Storage(_db.Database, await _db.RegisterLiveSiloAsync());
        var state = State(messages: 1);
        await storage.WriteStateAsync("state", Room, state);
        var etag = state.ETag;

        await _db.DeclareDeadAsync();

        state.State!.Messages = 2;
        await Assert.ThrowsAsync<SiloFencedException>(() => storage.WriteStateAsync("state", Room, state));
        await Assert.ThrowsAsync<SiloFencedException>(() => storage.WriteStateAsync("state", GrainId.Create("chatroom", "new"), State()));
        await Assert.ThrowsAsync<SiloFencedException>(() => storage.ClearStateAsync("state", Room, State(etag: etag)));
        Assert.Equal(etag, state.ETag);
        var read = await ReadAsync(storage);
        Assert.Equal(1, read.State!.Messages);
        Assert.Equal(etag, read.ETag);
        Assert.Equal(1L, await _db.CountAsync("gs_grain_state"));
    }
}
