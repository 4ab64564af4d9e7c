using Npgsql;
using Orleans;
using Orleans.Runtime;

namespace GrainStream.Persistence.Postgres;

/// <summary>Orleans' reminder table in the <c>gs_reminder</c> table of a <see cref="PostgresDatabase"/>:
/// one row per grain and reminder name, with the grain's uniform hash so that each silo reads the
/// reminders of its range of the hash ring. The semantics are <see cref="Sqlite.SqliteReminderTable"/>'s.</summary>
/// <remarks>Each upsert stores a new random etag (a GUID); <see cref="RemoveRow"/> removes a row only
/// while it still carries the etag given. Upserts and removals are fenced (see
/// <see cref="PostgresSiloFence"/>): a silo the cluster has declared dead gets
/// <see cref="SiloFencedException"/> and changes nothing. Start times are stored as
/// <c>timestamptz</c>, which keeps microseconds: finer ticks are dropped.</remarks>
public sealed class PostgresReminderTable : IReminderTable
{
    private const string Columns = "grain_id, reminder_name, start_at, period, etag";
    private const string SelectByGrain = $"SELECT {Columns} FROM gs_reminder WHERE grain_id = $1";
    private const string SelectOne = $"SELECT {Columns} FROM gs_reminder WHERE grain_id = $1 AND reminder_name = $2";
    // The ring range (begin, end]; when begin >= end it wraps past the top of the ring.
    private const string SelectInRange = $"SELECT {Columns} FROM gs_reminder WHERE grain_hash > $1 AND grain_hash <= $2";
    private const string SelectInWrappedRange = $"SELECT {Columns} FROM gs_reminder WHERE grain_hash > $1 OR grain_hash <= $2";
    private const string Upsert = """
        INSERT INTO gs_reminder (grain_id, reminder_name, grain_hash, start_at, period, etag)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (grain_id, reminder_name) DO UPDATE SET
            grain_hash = excluded.grain_hash, start_at = excluded.start_at, period = excluded.period, etag = excluded.etag
        """;
    private const string Delete = "DELETE FROM gs_reminder WHERE grain_id = $1 AND reminder_name = $2 AND etag = $3 RETURNING 1";
    private const string DeleteAll = "DELETE FROM gs_reminder";

    private readonly PostgresDatabase _database;
    private readonly PostgresSiloFence _fence;

    /// <summary>Keeps reminders in <paramref name="database"/>, each write behind <paramref name="fence"/>
    /// (<see cref="PostgresSiloFence.None"/> for none).</summary>
    public PostgresReminderTable(PostgresDatabase database, PostgresSiloFence fence)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(fence);
        _database = database;
        _fence = fence;
    }

    /// <summary>Makes the schema current, so that an unreachable database fails the silo's start.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => _database.EnsureSchemaAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<ReminderTableData> ReadRows(GrainId grainId)
    {
        Validate(grainId);
        return RowsAsync(PostgresCommands.Statement(SelectByGrain, grainId.ToString()));
    }

    /// <inheritdoc/>
    public Task<ReminderTableData> ReadRows(uint begin, uint end)
        => RowsAsync(PostgresCommands.Statement(begin < end ? SelectInRange : SelectInWrappedRange, (long)begin, (long)end));

    /// <inheritdoc/>
    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        Validate(grainId);
        ArgumentNullException.ThrowIfNull(reminderName);
        return PostgresCommands.ReadAsync(
            _database,
            PostgresCommands.Statement(SelectOne, grainId.ToString(), reminderName),
            async (reader, ct) => await reader.ReadAsync(ct).ConfigureAwait(false) ? Entry(reader) : null,
            CancellationToken.None);
    }

    /// <inheritdoc/>
    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Validate(entry.GrainId);
        ArgumentNullException.ThrowIfNull(entry.ReminderName, "entry.ReminderName");
        var etag = Guid.NewGuid().ToString("N");
        // Orleans works in UTC; a local time is converted, an unspecified one taken as UTC.
        var startAt = entry.StartAt.Kind switch
        {
            DateTimeKind.Local => entry.StartAt.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(entry.StartAt, DateTimeKind.Utc),
            _ => entry.StartAt,
        };
        var upsert = PostgresCommands.Statement(
            Upsert,
            entry.GrainId.ToString(),
            entry.ReminderName,
            (long)entry.GrainId.GetUniformHashCode(),
            startAt,
            entry.Period,
            etag);
        await PostgresCommands.WriteAsync(
            _database, _fence, $"register reminder '{entry.ReminderName}' of grain {entry.GrainId}", [upsert],
            static (_, _) => Task.FromResult(0), CancellationToken.None).ConfigureAwait(false);
        return etag;
    }

    /// <inheritdoc/>
    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        Validate(grainId);
        ArgumentNullException.ThrowIfNull(reminderName);
        ArgumentNullException.ThrowIfNull(eTag);
        return PostgresCommands.WriteAsync(
            _database, _fence, $"remove reminder '{reminderName}' of grain {grainId}",
            [PostgresCommands.Statement(Delete, grainId.ToString(), reminderName, eTag)],
            static (reader, ct) => reader.ReadAsync(ct),
            CancellationToken.None);
    }

    /// <inheritdoc/>
    public async Task TestOnlyClearTable()
    {
        await using var connection = await _database.OpenConnectionAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(DeleteAll, connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private Task<ReminderTableData> RowsAsync(NpgsqlBatchCommand select)
        => PostgresCommands.ReadAsync(_database, select, async (reader, ct) =>
        {
            var entries = new List<ReminderEntry>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) entries.Add(Entry(reader));
            return new ReminderTableData(entries);
        }, CancellationToken.None);

    private static ReminderEntry Entry(NpgsqlDataReader reader) => new()
    {
        GrainId = GrainId.Parse(reader.GetString(0)),
        ReminderName = reader.GetString(1),
        StartAt = reader.GetFieldValue<DateTime>(2),
        Period = reader.GetFieldValue<TimeSpan>(3),
        ETag = reader.GetString(4),
    };

    private static void Validate(GrainId grainId)
    {
        if (grainId.IsDefault) throw new ArgumentException("The grain id is the default (empty) value.", nameof(grainId));
    }
}
