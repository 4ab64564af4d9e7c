using System.Text.Json.Serialization.Metadata;
using GrainStream.Persistence.Sqlite;
using GrainStream.Streams;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using Xunit;

namespace GrainStream.Tests.Persistence;

public sealed class SqliteGrainStorageTests : IDisposable
{
    private static readonly GrainId Room = GrainId.Create("chatroom", "lobby");

    private readonly TemporaryDatabaseFile _file = new();
    private readonly SqliteDatabase _database;
    private readonly SqliteGrainStorage _storage;

    public SqliteGrainStorageTests()
    {
        _database = _file.Open();
        _storage = Storage(_database);
    }

    public void Dispose()
    {
        _database.Dispose();
        _file.Dispose();
    }

    /// <summary>Grain storage on <paramref name="database"/> serialising with <paramref name="resolvers"/> (then reflection).</summary>
    internal static SqliteGrainStorage Storage(SqliteDatabase database, params IJsonTypeInfoResolver[] resolvers)
    {
        var json = new GrainStreamJsonOptions();
        foreach (var resolver in resolvers) json.Resolvers.Add(resolver);
        return new SqliteGrainStorage(database, new EventPayloadSerializer(Options.Create(json)), TimeProvider.System);
    }

    private static GrainState<RoomState> State(int messages = 3, string? etag = null)
        => new(new RoomState { Messages = messages, Topic = "général ☕", Members = ["ann", "bo"] }, etag);

    private async Task<GrainState<RoomState>> ReadAsync(string stateName = "state", GrainId? grainId = null)
    {
        var read = new GrainState<RoomState>(new RoomState { Messages = -1 });
        await _storage.ReadStateAsync(stateName, grainId ?? Room, read);
        return read;
    }

    [Fact]
    public async Task Read_of_missing_state_gives_a_new_state_without_etag()
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
    public async Task Read_into_a_grain_state_without_an_instance_creates_one()
    {
        var read = new GrainState<RoomState>();

        await _storage.ReadStateAsync("state", Room, read);

        Assert.NotNull(read.State);
    }

    [Fact]
    public async Task First_write_stores_the_state_and_sets_its_etag()
    {
        var written = State(messages: 3);

        await _storage.WriteStateAsync("state", Room, written);

        Assert.NotNull(written.ETag);
        Assert.True(written.RecordExists);
        var read = await ReadAsync();
        Assert.Equal(written.ETag, read.ETag);
        Assert.True(read.RecordExists);
    }

    [Fact]
    public async Task State_round_trips_through_storage()
    {
        var written = State(messages: 42);
        written.State!.ClosedAt = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(1));

        await _storage.WriteStateAsync("state", Room, written);
        var read = await ReadAsync();

        Assert.Equal(42, read.State!.Messages);
        Assert.Equal("général ☕", read.State.Topic);
        Assert.Equal(["ann", "bo"], read.State.Members);
        Assert.Equal(written.State.ClosedAt, read.State.ClosedAt);
    }

    [Fact]
    public async Task State_is_stored_as_camel_case_utf8_json()
    {
        await _storage.WriteStateAsync("state", Room, new GrainState<RoomState>(new RoomState { Messages = 3, Members = ["ann"] }));

        var data = (byte[])SqliteDatabaseTests.Scalar(_database, "SELECT data FROM grain_state")!;

        Assert.Equal("""{"messages":3,"topic":null,"members":["ann"],"closedAt":null}""", System.Text.Encoding.UTF8.GetString(data));
    }

    [Fact]
    public async Task State_is_serialised_with_the_configured_json_resolvers()
    {
        // A resolver that renames a property stands in for an application's source-generated context.
        var renaming = new DefaultJsonTypeInfoResolver();
        renaming.Modifiers.Add(type =>
        {
            if (type.Type != typeof(RoomState)) return;
            foreach (var property in type.Properties) if (property.Name == "messages") property.Name = "count";
        });
        var storage = Storage(_database, renaming);

        await storage.WriteStateAsync("state", Room, State(messages: 5));
        var read = new GrainState<RoomState>(new RoomState());
        await storage.ReadStateAsync("state", Room, read);

        Assert.Contains("\"count\":5", System.Text.Encoding.UTF8.GetString((byte[])SqliteDatabaseTests.Scalar(_database, "SELECT data FROM grain_state")!));
        Assert.Equal(5, read.State!.Messages);
    }

    [Fact]
    public async Task Write_without_etag_when_state_exists_is_refused()
    {
        var first = State(messages: 1);
        await _storage.WriteStateAsync("state", Room, first);
        var blind = State(messages: 2);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("state", Room, blind));

        Assert.Equal(first.ETag, error.StoredEtag);
        Assert.Null(error.CurrentEtag);
        Assert.Null(blind.ETag);
        Assert.Equal(1, (await ReadAsync()).State!.Messages);
    }

    [Fact]
    public async Task Write_with_current_etag_replaces_the_state_and_changes_the_etag()
    {
        var state = State(messages: 1);
        await _storage.WriteStateAsync("state", Room, state);
        var first = state.ETag;

        state.State!.Messages = 2;
        await _storage.WriteStateAsync("state", Room, state);

        Assert.NotEqual(first, state.ETag);
        var read = await ReadAsync();
        Assert.Equal(state.ETag, read.ETag);
        Assert.Equal(2, read.State!.Messages);
    }

    [Fact]
    public async Task Stale_etag_write_is_refused()
    {
        var state = State(messages: 1);
        await _storage.WriteStateAsync("state", Room, state);
        var stale = state.ETag!;
        await _storage.WriteStateAsync("state", Room, state);
        var current = state.ETag!;
        var behind = State(messages: 99, etag: stale);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("state", Room, behind));

        Assert.Equal(current, error.StoredEtag);
        Assert.Equal(stale, error.CurrentEtag);
        Assert.Contains("chatroom/lobby", error.Message);
        Assert.Contains("'state'", error.Message);
        Assert.Contains(current, error.Message);
        Assert.Contains(stale, error.Message);
        Assert.Equal(stale, behind.ETag);
        Assert.Equal(1, (await ReadAsync()).State!.Messages);
    }

    [Fact]
    public async Task Write_with_an_etag_when_nothing_is_stored_is_refused()
    {
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("state", Room, State(etag: "made-up")));

        Assert.Null(error.StoredEtag);
        Assert.False((await ReadAsync()).RecordExists);
    }

    [Fact]
    public async Task Clear_deletes_the_state_and_resets_the_grain_state()
    {
        var state = State(messages: 3);
        await _storage.WriteStateAsync("state", Room, state);
        var written = state.State;

        await _storage.ClearStateAsync("state", Room, state);

        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        Assert.NotSame(written, state.State);
        Assert.Equal(0, state.State!.Messages);
        Assert.False((await ReadAsync()).RecordExists);
        Assert.Equal(0L, SqliteDatabaseTests.Scalar(_database, "SELECT COUNT(*) FROM grain_state"));
    }

    [Fact]
    public async Task State_written_after_a_clear_is_stored_anew()
    {
        var state = State(messages: 3);
        await _storage.WriteStateAsync("state", Room, state);
        await _storage.ClearStateAsync("state", Room, state);

        state.State!.Messages = 4;
        await _storage.WriteStateAsync("state", Room, state);

        Assert.Equal(4, (await ReadAsync()).State!.Messages);
    }

    [Fact]
    public async Task Clear_with_stale_etag_is_refused_and_keeps_the_state()
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
    public async Task Clear_without_etag_when_state_exists_is_refused_and_keeps_the_state()
    {
        var state = State();
        await _storage.WriteStateAsync("state", Room, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearStateAsync("state", Room, State()));

        Assert.Equal(state.ETag, (await ReadAsync()).ETag);
    }

    [Fact]
    public async Task Clear_of_missing_state_without_etag_is_a_no_op()
    {
        var state = State();

        await _storage.ClearStateAsync("state", Room, state);

        Assert.False(state.RecordExists);
        Assert.False((await ReadAsync()).RecordExists);
    }

    [Fact]
    public async Task Write_with_the_etag_of_cleared_state_is_refused_after_the_state_is_written_again()
    {
        var state = State();
        await _storage.WriteStateAsync("state", Room, state);
        var old = state.ETag;
        await _storage.ClearStateAsync("state", Room, state);
        await _storage.WriteStateAsync("state", Room, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("state", Room, State(etag: old)));
    }

    [Fact]
    public async Task States_are_kept_apart_by_grain_type_key_and_state_name()
    {
        await _storage.WriteStateAsync("state", GrainId.Create("chatroom", "a"), State(messages: 1));
        await _storage.WriteStateAsync("state", GrainId.Create("chatroom", "b"), State(messages: 2));
        await _storage.WriteStateAsync("state", GrainId.Create("user", "a"), State(messages: 3));
        await _storage.WriteStateAsync("other", GrainId.Create("chatroom", "a"), State(messages: 4));

        Assert.Equal(1, (await ReadAsync("state", GrainId.Create("chatroom", "a"))).State!.Messages);
        Assert.Equal(2, (await ReadAsync("state", GrainId.Create("chatroom", "b"))).State!.Messages);
        Assert.Equal(3, (await ReadAsync("state", GrainId.Create("user", "a"))).State!.Messages);
        Assert.Equal(4, (await ReadAsync("other", GrainId.Create("chatroom", "a"))).State!.Messages);
    }

    [Fact]
    public async Task Rows_are_keyed_by_grain_type_and_key_as_text()
    {
        await _storage.WriteStateAsync("state", GrainId.Create("chatroom", "lobby/east"), State());

        Assert.Equal("chatroom|lobby/east|state", SqliteDatabaseTests.Scalar(_database, "SELECT grain_type || '|' || grain_key || '|' || state_name FROM grain_state"));
    }

    [Fact]
    public async Task State_survives_reopening_the_file()
    {
        var state = State(messages: 8);
        await _storage.WriteStateAsync("state", Room, state);
        _database.Dispose();

        using var reopened = _file.Open();
        var read = new GrainState<RoomState>(new RoomState());
        await Storage(reopened).ReadStateAsync("state", Room, read);

        Assert.Equal(state.ETag, read.ETag);
        Assert.Equal(8, read.State!.Messages);
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
    }
}
