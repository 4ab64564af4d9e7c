using System.Globalization;
using GrainStream.Streams;
using Npgsql;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace GrainStream.Persistence.Postgres;

/// <summary>Orleans grain state in the <c>gs_grain_state</c> table of a <see cref="PostgresDatabase"/>,
/// one row per grain type, grain key and state name, the state as UTF-8 JSON serialised with
/// <see cref="EventPayloadSerializer.Options"/>, as <see cref="Sqlite.SqliteGrainStorage"/> stores it.</summary>
/// <remarks>
/// <para>The etag is the row's version, a counter every write and clear moves on. A write with no etag
/// stores only if nothing is stored (or the state was cleared), a write or clear with an etag changes
/// the row only while it still has that version, and anything else throws
/// <see cref="InconsistentStateException"/> naming the stored and the expected etag. A clear keeps the
/// row, with no data, so that the counter never restarts: a writer holding the etag of a cleared
/// state can never match the state written after it.</para>
/// <para>Each write is one fenced batch (see <see cref="PostgresSiloFence"/>): a silo the cluster has
/// declared dead gets <see cref="SiloFencedException"/> and changes nothing.</para>
/// <para>As Orleans expects of a provider: reading nothing, or clearing, leaves a new instance of the
/// state with no etag and <see cref="IGrainState{T}.RecordExists"/> false.</para>
/// </remarks>
public sealed class PostgresGrainStorage : IGrainStorage
{
    private const string Key = "grain_type = $1 AND grain_key = $2 AND state_name = $3";
    private const string SelectState = $"SELECT version, data FROM gs_grain_state WHERE {Key}";
    // Run after a write in the same batch: the version the write's check met, for the error message.
    private const string SelectStoredVersion = $"SELECT version FROM gs_grain_state WHERE {Key} AND data IS NOT NULL";
    // A cleared row (data NULL) counts as nothing stored, but its version carries on.
    private const string Insert = """
        INSERT INTO gs_grain_state AS s (grain_type, grain_key, state_name, version, data, updated_at)
        VALUES ($1, $2, $3, 1, $4, $5)
        ON CONFLICT (grain_type, grain_key, state_name) DO UPDATE
            SET version = s.version + 1, data = excluded.data, updated_at = excluded.updated_at
            WHERE s.data IS NULL
        RETURNING version
        """;
    private const string Update = $"""
        UPDATE gs_grain_state SET version = version + 1, data = $4, updated_at = $5
        WHERE {Key} AND version = $6 AND data IS NOT NULL
        RETURNING version
        """;
    private const string Clear = $"""
        UPDATE gs_grain_state SET version = version + 1, data = NULL, updated_at = $4
        WHERE {Key} AND version = $5 AND data IS NOT NULL
        RETURNING version
        """;

    private readonly PostgresDatabase _database;
    private readonly GrainStateCodec _codec;
    private readonly TimeProvider _timeProvider;
    private readonly PostgresSiloFence _fence;

    /// <summary>Stores state in <paramref name="database"/> as JSON of <paramref name="serializer"/>,
    /// stamping rows with the time of <paramref name="timeProvider"/>, each write behind
    /// <paramref name="fence"/> (<see cref="PostgresSiloFence.None"/> for none). New state instances
    /// come from <paramref name="activators"/> (Orleans' own, as the silo creates state) or, without
    /// it, from the state type's parameterless constructor.</summary>
    public PostgresGrainStorage(PostgresDatabase database, EventPayloadSerializer serializer, TimeProvider timeProvider, PostgresSiloFence fence, IActivatorProvider? activators = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(fence);
        _database = database;
        _codec = new GrainStateCodec(serializer, activators);
        _timeProvider = timeProvider;
        _fence = fence;
    }

    /// <inheritdoc/>
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        => ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc/>
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        GrainStateCodec.Validate(stateName, grainId, grainState);
        var stored = await PostgresCommands.ReadAsync(_database, Keyed(SelectState, stateName, grainId), async (reader, ct) =>
            await reader.ReadAsync(ct).ConfigureAwait(false) && !reader.IsDBNull(1)
                ? new StoredState(reader.GetInt64(0), await reader.GetFieldValueAsync<byte[]>(1, ct).ConfigureAwait(false))
                : null,
            cancellationToken).ConfigureAwait(false);

        _codec.Load(grainState, stored?.Data, stored is null ? null : Etag(stored.Version));
    }

    /// <inheritdoc/>
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        => WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc/>
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        GrainStateCodec.Validate(stateName, grainId, grainState);
        var data = _codec.Serialize(grainState.State);
        var expectedEtag = grainState.ETag;
        var now = _timeProvider.GetUtcNow();
        var write = expectedEtag is null
            ? Keyed(Insert, stateName, grainId, data, now)
            : Keyed(Update, stateName, grainId, data, now, ParseVersion(expectedEtag));
        var (written, stored) = await PostgresCommands.WriteAsync(
            _database, _fence, $"write state '{stateName}' of grain {grainId}",
            [write, Keyed(SelectStoredVersion, stateName, grainId)],
            ReadOutcomeAsync, cancellationToken).ConfigureAwait(false);

        if (written is null) throw Inconsistent("write", stateName, grainId, stored, expectedEtag);
        grainState.ETag = Etag(written.Value);
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
        var what = $"clear state '{stateName}' of grain {grainId}";
        if (expectedEtag is null)
        {
            // Nothing may be stored; clearing nothing is a no-op.
            var stored = await PostgresCommands.WriteAsync(
                _database, _fence, what, [Keyed(SelectStoredVersion, stateName, grainId)],
                PostgresCommands.ScalarAsync<long>, cancellationToken).ConfigureAwait(false);
            if (stored is not null) throw Inconsistent("clear", stateName, grainId, stored, expectedEtag);
        }
        else
        {
            var (cleared, stored) = await PostgresCommands.WriteAsync(
                _database, _fence, what,
                [Keyed(Clear, stateName, grainId, _timeProvider.GetUtcNow(), ParseVersion(expectedEtag)), Keyed(SelectStoredVersion, stateName, grainId)],
                ReadOutcomeAsync, cancellationToken).ConfigureAwait(false);
            if (cleared is null) throw Inconsistent("clear", stateName, grainId, stored, expectedEtag);
        }
        _codec.Reset(grainState);
    }

    /// <summary>The version a write or clear returned (null when its check failed), then the stored version after it.</summary>
    private static async Task<(long? Changed, long? Stored)> ReadOutcomeAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var changed = await PostgresCommands.ScalarAsync<long>(reader, cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var stored = await PostgresCommands.ScalarAsync<long>(reader, cancellationToken).ConfigureAwait(false);
        return (changed, stored);
    }

    private static string Etag(long version) => version.ToString(CultureInfo.InvariantCulture);

    // An etag this storage never handed out matches no row: versions start at 1.
    private static long ParseVersion(string etag)
        => long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : 0;

    private static InconsistentStateException Inconsistent(string operation, string stateName, GrainId grainId, long? storedVersion, string? expectedEtag)
        => GrainStateCodec.Conflict(operation, stateName, grainId, storedVersion is { } version ? Etag(version) : null, expectedEtag);

    private static NpgsqlBatchCommand Keyed(string sql, string stateName, GrainId grainId, params ReadOnlySpan<object> more)
        => PostgresCommands.Statement(sql, [grainId.Type.ToString()!, grainId.Key.ToString()!, stateName, .. more]);

    private sealed record StoredState(long Version, byte[] Data);
}
