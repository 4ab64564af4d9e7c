using GrainStream.Streams;
using Microsoft.Data.Sqlite;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace GrainStream.Persistence.Sqlite;

/// <summary>Orleans grain state in the <c>grain_state</c> table of a <see cref="SqliteDatabase"/>, one
/// row per grain type, grain key and state name, the state as UTF-8 JSON (serialised with
/// <see cref="EventPayloadSerializer.Options"/>: the application's source-generated contexts, then
/// reflection).</summary>
/// <remarks>
/// <para>Optimistic concurrency by etag: a write with no etag inserts only if nothing is stored, a
/// write or clear with an etag changes the row only if it still carries that etag, and anything else
/// throws <see cref="InconsistentStateException"/> naming the stored and the expected etag. Each write
/// stores a new random etag (a GUID) rather than a counter: a counter would restart after a clear, and a
/// writer holding the etag of the cleared state could then overwrite the new state unnoticed. Each
/// check and change runs in one write transaction.</para>
/// <para>As Orleans expects of a provider: reading nothing, or clearing, leaves a new instance of the
/// state with no etag and <see cref="IGrainState{T}.RecordExists"/> false.</para>
/// </remarks>
public sealed class SqliteGrainStorage : IGrainStorage
{
    private const string SelectState = "SELECT etag, data FROM grain_state WHERE grain_type = $type AND grain_key = $key AND state_name = $name";
    private const string SelectEtag = "SELECT etag FROM grain_state WHERE grain_type = $type AND grain_key = $key AND state_name = $name";
    private const string Insert = """
        INSERT INTO grain_state (grain_type, grain_key, state_name, etag, data, updated_at)
        VALUES ($type, $key, $name, $etag, $data, $now)
        ON CONFLICT DO NOTHING
        """;
    private const string Update = """
        UPDATE grain_state SET etag = $etag, data = $data, updated_at = $now
        WHERE grain_type = $type AND grain_key = $key AND state_name = $name AND etag = $expected
        """;
    private const string Delete = "DELETE FROM grain_state WHERE grain_type = $type AND grain_key = $key AND state_name = $name AND etag = $expected";

    private readonly SqliteDatabase _database;
    private readonly GrainStateCodec _codec;
    private readonly TimeProvider _timeProvider;

    /// <summary>Stores state in <paramref name="database"/> as JSON of <paramref name="serializer"/>,
    /// stamping rows with the time of <paramref name="timeProvider"/>. New state instances come from
    /// <paramref name="activators"/> (Orleans' own, as the silo creates state) or, without it, from the
    /// state type's parameterless constructor.</summary>
    public SqliteGrainStorage(SqliteDatabase database, EventPayloadSerializer serializer, TimeProvider timeProvider, IActivatorProvider? activators = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _database = database;
        _codec = new GrainStateCodec(serializer, activators);
        _timeProvider = timeProvider;
    }

    /// <inheritdoc/>
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        => ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc/>
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        GrainStateCodec.Validate(stateName, grainId, grainState);
        var stored = await _database.ReadAsync(session =>
        {
            using var reader = Keyed(session.Command(SelectState), stateName, grainId).ExecuteReader();
            return reader.Read() ? new StoredState(reader.GetString(0), reader.GetBlob(1)) : null;
        }, cancellationToken).ConfigureAwait(false);

        _codec.Load(grainState, stored?.Data, stored?.Etag);
    }

    /// <inheritdoc/>
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        => WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc/>
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        GrainStateCodec.Validate(stateName, grainId, grainState);
        // Serialised on the caller's thread, not the writer's: the writer's time is every grain's.
        var data = _codec.Serialize(grainState.State);
        var expectedEtag = grainState.ETag;
        var newEtag = await _database.WriteAsync(session =>
        {
            var etag = Guid.NewGuid().ToString("N");
            var command = Keyed(session.Command(expectedEtag is null ? Insert : Update), stateName, grainId)
                .With("$etag", etag)
                .With("$data", data)
                .With("$now", _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
            if (expectedEtag is not null) command.With("$expected", expectedEtag);
            if (command.ExecuteNonQuery() == 0) throw Inconsistent("write", session, stateName, grainId, expectedEtag);
            return etag;
        }, cancellationToken).ConfigureAwait(false);
        grainState.ETag = newEtag;
        grainState.RecordExists = true;
    }

    /// <inheritdoc/>
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        => ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc/>
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        GrainStateCodec.Validate(stateName, grainId, grainState);
        var expectedEtag = grainState.ETag;
        await _database.WriteAsync(session =>
        {
            if (expectedEtag is null)
            {
                // Nothing may be stored; clearing nothing is a no-op.
                if (StoredEtag(session, stateName, grainId) is not null) throw Inconsistent("clear", session, stateName, grainId, expectedEtag);
                return 0;
            }
            var deleted = Keyed(session.Command(Delete), stateName, grainId).With("$expected", expectedEtag).ExecuteNonQuery();
            if (deleted == 0) throw Inconsistent("clear", session, stateName, grainId, expectedEtag);
            return deleted;
        }, cancellationToken).ConfigureAwait(false);
        _codec.Reset(grainState);
    }

    // Reads the stored etag in the same transaction as the failed check, so the message names the version that made it fail.
    private static InconsistentStateException Inconsistent(string operation, SqliteSession session, string stateName, GrainId grainId, string? expectedEtag)
        => GrainStateCodec.Conflict(operation, stateName, grainId, StoredEtag(session, stateName, grainId), expectedEtag);

    private static string? StoredEtag(SqliteSession session, string stateName, GrainId grainId)
        => (string?)Keyed(session.Command(SelectEtag), stateName, grainId).ExecuteScalar();

    private static SqliteCommand Keyed(SqliteCommand command, string stateName, GrainId grainId)
        => command.With("$type", grainId.Type.ToString()!).With("$key", grainId.Key.ToString()!).With("$name", stateName);

    private sealed record StoredState(string Etag, byte[] Data);
}
