using GrainStream.Storage;
using Microsoft.Data.Sqlite;

namespace GrainStream.Sqlite;

/// <summary>Grain state in the <c>grain_state</c> table of a <see cref="SqliteDatabase"/>, one row
/// per grain type, key and state name.</summary>
/// <remarks>Each write stores a new random etag (a GUID) rather than a counter: a counter would
/// restart after <see cref="ClearAsync"/>, and a writer holding the etag of the cleared state could
/// then overwrite the new state unnoticed. Each check and change runs in one write transaction.</remarks>
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
    private readonly TimeProvider _timeProvider;

    /// <summary>Stores state in <paramref name="database"/>, stamping rows with the time of <paramref name="timeProvider"/>.</summary>
    public SqliteGrainStorage(SqliteDatabase database, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _database = database;
        _timeProvider = timeProvider;
    }

    /// <inheritdoc/>
    public Task<StoredGrainState?> ReadAsync(string stateName, GrainId grainId, CancellationToken cancellationToken = default)
    {
        Validate(stateName, grainId);
        return _database.ReadAsync(session =>
        {
            using var reader = Keyed(session.Command(SelectState), stateName, grainId).ExecuteReader();
            return reader.Read() ? new StoredGrainState(reader.GetBlob(1), reader.GetString(0)) : null;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<string> WriteAsync(string stateName, GrainId grainId, ReadOnlyMemory<byte> data, string? expectedEtag, CancellationToken cancellationToken = default)
    {
        Validate(stateName, grainId);
        var blob = SqliteCommandExtensions.ToBlob(data);
        return _database.WriteAsync(session =>
        {
            var etag = Guid.NewGuid().ToString("N");
            var command = Keyed(session.Command(expectedEtag is null ? Insert : Update), stateName, grainId)
                .With("$etag", etag)
                .With("$data", blob)
                .With("$now", _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
            if (expectedEtag is not null) command.With("$expected", expectedEtag);
            if (command.ExecuteNonQuery() == 0) throw Inconsistent("write", session, stateName, grainId, expectedEtag);
            return etag;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task ClearAsync(string stateName, GrainId grainId, string? expectedEtag, CancellationToken cancellationToken = default)
    {
        Validate(stateName, grainId);
        return _database.WriteAsync(session =>
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
        }, cancellationToken);
    }

    private static InconsistentStateException Inconsistent(string operation, SqliteSession session, string stateName, GrainId grainId, string? expectedEtag)
    {
        // Read in the same transaction as the failed check, so the message names the version that made it fail.
        var storedEtag = StoredEtag(session, stateName, grainId);
        return new InconsistentStateException(
            $"Cannot {operation} state '{stateName}' of grain {grainId}: storage holds version {storedEtag ?? "(none)"} but the {operation} expected version {expectedEtag ?? "(none)"}. Another writer changed it; read the state again.",
            storedEtag,
            expectedEtag);
    }

    private static string? StoredEtag(SqliteSession session, string stateName, GrainId grainId)
        => (string?)Keyed(session.Command(SelectEtag), stateName, grainId).ExecuteScalar();

    private static SqliteCommand Keyed(SqliteCommand command, string stateName, GrainId grainId)
        => command.With("$type", grainId.Type).With("$key", grainId.Key).With("$name", stateName);

    private static void Validate(string stateName, GrainId grainId)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        if (grainId.IsDefault) throw new ArgumentException("The grain id is the default (empty) value.", nameof(grainId));
    }
}
