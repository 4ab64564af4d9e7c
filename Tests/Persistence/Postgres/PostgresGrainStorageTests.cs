using System.Text;
using System.Text.Json.Serialization.Metadata;
using GrainStream.Persistence.Postgres;
using GrainStream.Streams;
using GrainStream.Tests.Persistence.Specifications;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace GrainStream.Tests.Persistence.Postgres;

/// <summary>The grain storage contract (<see cref="GrainStorageSpecification"/>) on PostgreSQL, and
/// what only PostgreSQL does: etags are row versions a clear keeps counting, writers in several
/// processes, and the silo fence.</summary>
public sealed class PostgresGrainStorageTests : GrainStorageSpecification
{
    private readonly PostgresTestDatabase _db = new();

    protected override Task CreateStoreAsync() => _db.InitializeAsync();

    protected override Task DisposeStoreAsync() => _db.DisposeAsync();

    protected override IGrainStorage CreateStorage(params IJsonTypeInfoResolver[] resolvers) => StorageOn(_db.Database, resolvers: resolvers);

    protected override async Task<string> StoredJsonAsync()
        => Encoding.UTF8.GetString((byte[])(await _db.ScalarAsync("SELECT data FROM gs_grain_state"))!);

    protected override async Task<string> StoredKeyAsync()
        => (string)(await _db.ScalarAsync("SELECT grain_type || '|' || grain_key || '|' || state_name FROM gs_grain_state"))!;

    private static PostgresGrainStorage StorageOn(PostgresDatabase database, PostgresSiloFence? fence = null, params IJsonTypeInfoResolver[] resolvers)
    {
        var json = new GrainStreamJsonOptions();
        foreach (var resolver in resolvers) json.Resolvers.Add(resolver);
        return new(database, new EventPayloadSerializer(Options.Create(json)), TimeProvider.System, fence ?? PostgresSiloFence.None);
    }

    [Fact]
    public async Task The_etag_is_the_row_version_which_every_write_and_clear_moves_on_and_a_clear_keeps_the_row()
    {
        var state = State(messages: 1);
        await Storage.WriteStateAsync("state", Room, state);
        Assert.Equal("1", state.ETag);
        Assert.Equal("1", (await ReadAsync()).ETag);

        state.State!.Messages = 2;
        await Storage.WriteStateAsync("state", Room, state);
        Assert.Equal("2", state.ETag);
        Assert.Equal("2", (await ReadAsync()).ETag);

        // A refused write moves nothing on.
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("state", Room, State(etag: "1")));
        Assert.Equal("2", (await ReadAsync()).ETag);

        await Storage.ClearStateAsync("state", Room, state);
        Assert.Equal(1L, await _db.CountAsync("gs_grain_state"));
        state.State!.Messages = 4;
        await Storage.WriteStateAsync("state", Room, state);

        Assert.Equal("4", state.ETag);
        Assert.Equal("4", (await ReadAsync()).ETag);
        Assert.Equal(1L, await _db.CountAsync("gs_grain_state"));
    }

    [Fact]
    public async Task Of_concurrent_first_writes_from_two_processes_exactly_one_wins()
    {
        await using var other = _db.Open();
        IGrainStorage[] storages = [Storage, StorageOn(other)];

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
    public async Task Writes_and_clears_of_a_silo_declared_dead_throw_SiloFencedException_and_change_nothing()
    {
        var storage = StorageOn(_db.Database, await _db.RegisterLiveSiloAsync());
        var state = State(messages: 1);
        await storage.WriteStateAsync("state", Room, state);
        var etag = state.ETag;

        await _db.DeclareDeadAsync();

        state.State!.Messages = 2;
        await Assert.ThrowsAsync<SiloFencedException>(() => storage.WriteStateAsync("state", Room, state));
        await Assert.ThrowsAsync<SiloFencedException>(() => storage.WriteStateAsync("state", GrainId.Create("chatroom", "new"), State()));
        await Assert.ThrowsAsync<SiloFencedException>(() => storage.ClearStateAsync("state", Room, State(etag: etag)));
        Assert.Equal(etag, state.ETag);
        var read = await ReadAsync(storage: storage);
        Assert.Equal(1, read.State!.Messages);
        Assert.Equal(etag, read.ETag);
        Assert.Equal(1L, await _db.CountAsync("gs_grain_state"));
    }
}
