using System.Text.Json.Serialization.Metadata;
using GrainStream.Persistence.Sqlite;
using GrainStream.Streams;
using GrainStream.Tests.Persistence.Specifications;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace GrainStream.Tests.Persistence;

/// <summary>The grain storage contract (<see cref="GrainStorageSpecification"/>) on a SQLite file,
/// and what only SQLite does: a clear deletes the row, and state outlives the file being reopened.</summary>
public sealed class SqliteGrainStorageTests : GrainStorageSpecification
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

    protected override IGrainStorage CreateStorage(params IJsonTypeInfoResolver[] resolvers) => StorageOn(_database, resolvers);

    protected override Task<string> StoredJsonAsync()
        => Task.FromResult(System.Text.Encoding.UTF8.GetString((byte[])SqliteDatabaseTests.Scalar(_database, "SELECT data FROM grain_state")!));

    protected override Task<string> StoredKeyAsync()
        => Task.FromResult((string)SqliteDatabaseTests.Scalar(_database, "SELECT grain_type || '|' || grain_key || '|' || state_name FROM grain_state")!);

    /// <summary>Grain storage on <paramref name="database"/> serialising with <paramref name="resolvers"/> (then reflection).</summary>
    internal static SqliteGrainStorage StorageOn(SqliteDatabase database, params IJsonTypeInfoResolver[] resolvers)
    {
        var json = new GrainStreamJsonOptions();
        foreach (var resolver in resolvers) json.Resolvers.Add(resolver);
        return new SqliteGrainStorage(database, new EventPayloadSerializer(Options.Create(json)), TimeProvider.System);
    }

    [Fact]
    public async Task Clearing_deletes_the_row()
    {
        var state = State();
        await Storage.WriteStateAsync("state", Room, state);

        await Storage.ClearStateAsync("state", Room, state);

        Assert.Equal(0L, SqliteDatabaseTests.Scalar(_database, "SELECT COUNT(*) FROM grain_state"));
    }

    [Fact]
    public async Task State_survives_reopening_the_file()
    {
        var state = State(messages: 8);
        await Storage.WriteStateAsync("state", Room, state);
        _database.Dispose();

        using var reopened = _file.Open();
        var read = await ReadAsync(storage: StorageOn(reopened));

        Assert.Equal(state.ETag, read.ETag);
        Assert.Equal(8, read.State!.Messages);
    }
}
