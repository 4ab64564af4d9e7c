using System.Text.Json.Serialization.Metadata;
using Orleans.Storage;

namespace GrainStream.Tests.Persistence.Specifications;

/// <summary>The contract of a grain storage (<see cref="IGrainStorage"/>), stated once for every
/// provider. A class per provider derives from it, supplies a fresh store for each test (xunit makes
/// one instance per test) and adds the tests only its provider can answer.</summary>
public abstract class GrainStorageSpecification : IAsyncLifetime
{
    protected static readonly GrainId Room = GrainId.Create("chatroom", "lobby");

    private IGrainStorage? _storage;

    /// <summary>The storage under test, on the test's store, serialising with the default JSON options.</summary>
    protected IGrainStorage Storage => _storage ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>Creates the test's empty store.</summary>
    protected abstract Task CreateStoreAsync();

    /// <summary>Releases the test's store and whatever the test opened on it.</summary>
    protected abstract Task DisposeStoreAsync();

    /// <summary>A storage on the test's store serialising with <paramref name="resolvers"/> (then reflection).</summary>
    protected abstract IGrainStorage CreateStorage(params IJsonTypeInfoResolver[] resolvers);

    /// <summary>The data of the only state stored, as the database holds it (UTF-8 JSON, as text).</summary>
    protected abstract Task<string> StoredJsonAsync();

    /// <summary>The grain type, grain key and state name of the only state stored, as the database holds them, joined by '|'.</summary>
    protected abstract Task<string> StoredKeyAsync();

    async Task IAsyncLifetime.InitializeAsync()
    {
        await CreateStoreAsync();
        _storage = CreateStorage();
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeStoreAsync();

    protected static GrainState<RoomState> State(int messages = 3, string? etag = null)
        => new(new RoomState { Messages = messages, Topic = "général ☕", Members = ["ann", "bo"] }, etag);

    /// <summary>Reads a state with <paramref name="storage"/> (default the one under test) into a grain state that holds something else.</summary>
    protected async Task<GrainState<RoomState>> ReadAsync(string stateName = "state", GrainId? grainId = null, IGrainStorage? storage = null)
    {
        var read = new GrainState<RoomState>(new RoomState { Messages = -1 });
        await (storage ?? Storage).ReadStateAsync(stateName, grainId ?? Room, read);
        return read;
    }

    [Fact]
    public async Task Reading_missing_state_gives_a_new_state_without_etag()
    {
        var given = new RoomState { Messages = 7 };
        var read = new GrainState<RoomState>(given, "left-over");

        await Storage.ReadStateAsync("state", Room, read);

        Assert.NotSame(given, read.State);
        Assert.Equal(0, read.State!.Messages);
        Assert.Null(read.ETag);
        Assert.False(read.RecordExists);
    }

    [Fact]
    public async Task Reading_into_a_grain_state_without_an_instance_creates_one()
    {
        var read = new GrainState<RoomState>();

        await Storage.ReadStateAsync("state", Room, read);

        Assert.NotNull(read.State);
    }

    [Fact]
    public async Task First_write_stores_the_state_and_sets_its_etag()
    {
        var written = State(messages: 3);

        await Storage.WriteStateAsync("state", Room, written);

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

        await Storage.WriteStateAsync("state", Room, written);
        var read = await ReadAsync();

        Assert.Equal(42, read.State!.Messages);
        Assert.Equal("général ☕", read.State.Topic);
        Assert.Equal(["ann", "bo"], read.State.Members);
        Assert.Equal(written.State.ClosedAt, read.State.ClosedAt);
    }

    [Fact]
    public async Task State_is_stored_as_camel_case_utf8_json()
    {
        await Storage.WriteStateAsync("state", Room, new GrainState<RoomState>(new RoomState { Messages = 3, Members = ["ann"] }));

        Assert.Equal("""{"messages":3,"topic":null,"members":["ann"],"closedAt":null}""", await StoredJsonAsync());
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
        var storage = CreateStorage(renaming);

        await storage.WriteStateAsync("state", Room, State(messages: 5));
        var read = new GrainState<RoomState>(new RoomState());
        await storage.ReadStateAsync("state", Room, read);

        Assert.Contains("\"count\":5", await StoredJsonAsync());
        Assert.Equal(5, read.State!.Messages);
    }

    [Fact]
    public async Task Rows_are_keyed_by_grain_type_grain_key_and_state_name_as_text()
    {
        await Storage.WriteStateAsync("state", GrainId.Create("chatroom", "lobby/east"), State());

        Assert.Equal("chatroom|lobby/east|state", await StoredKeyAsync());
    }

    [Fact]
    public async Task Writing_without_etag_when_state_exists_throws_InconsistentStateException_and_keeps_the_state()
    {
        var first = State(messages: 1);
        await Storage.WriteStateAsync("state", Room, first);
        var blind = State(messages: 2);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("state", Room, blind));

        Assert.Equal(first.ETag, error.StoredEtag);
        Assert.Null(error.CurrentEtag);
        Assert.Null(blind.ETag);
        Assert.Equal(1, (await ReadAsync()).State!.Messages);
    }

    [Fact]
    public async Task Writing_with_the_current_etag_replaces_the_state_and_changes_the_etag()
    {
        var state = State(messages: 1);
        await Storage.WriteStateAsync("state", Room, state);
        var first = state.ETag;

        state.State!.Messages = 2;
        await Storage.WriteStateAsync("state", Room, state);

        Assert.NotEqual(first, state.ETag);
        var read = await ReadAsync();
        Assert.Equal(state.ETag, read.ETag);
        Assert.Equal(2, read.State!.Messages);
    }

    [Fact]
    public async Task Writing_with_a_stale_etag_throws_InconsistentStateException_and_keeps_the_state()
    {
        var state = State(messages: 1);
        await Storage.WriteStateAsync("state", Room, state);
        var stale = state.ETag!;
        await Storage.WriteStateAsync("state", Room, state);
        var current = state.ETag!;
        var behind = State(messages: 99, etag: stale);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("state", Room, behind));

        Assert.Equal(current, error.StoredEtag);
        Assert.Equal(stale, error.CurrentEtag);
        Assert.Contains("chatroom/lobby", error.Message);
        Assert.Contains("'state'", error.Message);
        Assert.Contains(current, error.Message);
        Assert.Contains(stale, error.Message);
        Assert.Equal(stale, behind.ETag);
        Assert.Equal(1, (await ReadAsync()).State!.Messages);
    }

    [Theory]
    [InlineData("made-up")]
    [InlineData("7")]
    [InlineData("-1")]
    public async Task Writing_with_an_etag_that_was_never_handed_out_throws_InconsistentStateException(string etag)
    {
        var onNothing = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("state", Room, State(etag: etag)));
        Assert.Null(onNothing.StoredEtag);
        Assert.False((await ReadAsync()).RecordExists);
        var existing = State();
        await Storage.WriteStateAsync("state", Room, existing);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("state", Room, State(etag: etag)));

        Assert.Equal(existing.ETag, error.StoredEtag);
        Assert.Equal(etag, error.CurrentEtag);
    }

    [Fact]
    public async Task Of_concurrent_writers_with_the_same_etag_exactly_one_wins()
    {
        var state = State();
        await Storage.WriteStateAsync("state", Room, state);
        var etag = state.ETag;
        var writes = Enumerable.Range(0, 20).Select(i => State(messages: i, etag: etag)).ToArray();

        var attempts = writes.Select(write => Task.Run(async () =>
        {
            try
            {
                await Storage.WriteStateAsync("state", Room, write);
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));

        var won = await Task.WhenAll(attempts);

        Assert.Single(won, w => w);
        var winner = writes[Array.IndexOf(won, true)];
        var read = await ReadAsync();
        Assert.Equal(winner.State!.Messages, read.State!.Messages);
        Assert.Equal(winner.ETag, read.ETag);
        Assert.NotEqual(etag, read.ETag);
    }

    [Fact]
    public async Task Clearing_resets_the_grain_state_and_reads_give_nothing()
    {
        var state = State(messages: 3);
        await Storage.WriteStateAsync("state", Room, state);
        var written = state.State;

        await Storage.ClearStateAsync("state", Room, state);

        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        Assert.NotSame(written, state.State);
        Assert.Equal(0, state.State!.Messages);
        var read = await ReadAsync();
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
    }

    [Fact]
    public async Task State_written_after_a_clear_is_stored_anew()
    {
        var state = State(messages: 3);
        await Storage.WriteStateAsync("state", Room, state);
        await Storage.ClearStateAsync("state", Room, state);

        state.State!.Messages = 4;
        await Storage.WriteStateAsync("state", Room, state);

        Assert.Equal(4, (await ReadAsync()).State!.Messages);
    }

    [Fact]
    public async Task Writing_with_the_etag_of_a_cleared_state_is_refused_after_the_state_is_written_again()
    {
        var state = State();
        await Storage.WriteStateAsync("state", Room, state);
        var old = state.ETag;
        await Storage.ClearStateAsync("state", Room, state);
        await Storage.WriteStateAsync("state", Room, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("state", Room, State(etag: old)));
    }

    [Fact]
    public async Task Clearing_with_a_stale_etag_throws_InconsistentStateException_and_keeps_the_state()
    {
        var state = State();
        await Storage.WriteStateAsync("state", Room, state);
        var stale = state.ETag;
        await Storage.WriteStateAsync("state", Room, state);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync("state", Room, State(etag: stale)));

        Assert.Equal(state.ETag, error.StoredEtag);
        Assert.Equal(state.ETag, (await ReadAsync()).ETag);
    }

    [Fact]
    public async Task Clearing_without_etag_when_state_exists_throws_InconsistentStateException_and_keeps_the_state()
    {
        var state = State();
        await Storage.WriteStateAsync("state", Room, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync("state", Room, State()));

        Assert.Equal(state.ETag, (await ReadAsync()).ETag);
    }

    [Fact]
    public async Task Clearing_missing_state_without_etag_is_a_no_op()
    {
        var state = State();

        await Storage.ClearStateAsync("state", Room, state);

        Assert.False(state.RecordExists);
        Assert.False((await ReadAsync()).RecordExists);
    }

    [Fact]
    public async Task States_are_kept_apart_by_grain_type_key_and_state_name()
    {
        await Storage.WriteStateAsync("state", GrainId.Create("chatroom", "a"), State(messages: 1));
        await Storage.WriteStateAsync("state", GrainId.Create("chatroom", "b"), State(messages: 2));
        await Storage.WriteStateAsync("state", GrainId.Create("user", "a"), State(messages: 3));
        await Storage.WriteStateAsync("other", GrainId.Create("chatroom", "a"), State(messages: 4));

        Assert.Equal(1, (await ReadAsync("state", GrainId.Create("chatroom", "a"))).State!.Messages);
        Assert.Equal(2, (await ReadAsync("state", GrainId.Create("chatroom", "b"))).State!.Messages);
        Assert.Equal(3, (await ReadAsync("state", GrainId.Create("user", "a"))).State!.Messages);
        Assert.Equal(4, (await ReadAsync("other", GrainId.Create("chatroom", "a"))).State!.Messages);
    }
}
