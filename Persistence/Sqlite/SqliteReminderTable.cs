using Microsoft.Data.Sqlite;
using Orleans;
using Orleans.Runtime;

namespace GrainStream.Persistence.Sqlite;

/// <summary>Orleans' reminder table in the <c>reminder</c> table of a <see cref="SqliteDatabase"/>: one
/// row per grain and reminder name, with the grain's uniform hash so that each silo can read the
/// reminders of its range of the hash ring. Reminders outlive the process: a lease-expiry reminder
/// registered before a kill -9 fires after the restart.</summary>
/// <remarks>Writes go through the database's writer, so they share commits (and syncs) with the grain
/// state and event writes queued beside them. Each upsert stores a new random etag (a GUID);
/// <see cref="RemoveRow"/> removes a row only while it still carries the etag given.</remarks>
public sealed class SqliteReminderTable : IReminderTable
{
    private const string Columns = "grain_id, reminder_name, start_at, period, etag";
    private const string SelectByGrain = $"SELECT {Columns} FROM reminder WHERE grain_id = $grain";
    private const string SelectOne = $"SELECT {Columns} FROM reminder WHERE grain_id = $grain AND reminder_name = $name";
    // The ring range (begin, end]; when begin >= end it wraps past the top of the ring.
    private const string SelectInRange = $"SELECT {Columns} FROM reminder WHERE grain_hash > $begin AND grain_hash <= $end";
    private const string SelectInWrappedRange = $"SELECT {Columns} FROM reminder WHERE grain_hash > $begin OR grain_hash <= $end";
    private const string Upsert = """
        INSERT INTO reminder (grain_id, reminder_name, grain_hash, start_at, period, etag)
        VALUES ($grain, $name, $hash, $start, $period, $etag)
        ON CONFLICT (grain_id, reminder_name) DO UPDATE SET
            grain_hash = excluded.grain_hash, start_at = excluded.start_at, period = excluded.period, etag = excluded.etag
        """;
    private const string Delete = "DELETE FROM reminder WHERE grain_id = $grain AND reminder_name = $name AND etag = $etag";
    private const string DeleteAll = "DELETE FROM reminder";

    private readonly SqliteDatabase _database;

    /// <summary>Keeps reminders in <paramref name="database"/>.</summary>
    public SqliteReminderTable(SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>Creates the database file and its tables unless done already, so that a bad path fails the silo's start.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => _database.EnsureCreatedAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<ReminderTableData> ReadRows(GrainId grainId)
    {
        Validate(grainId);
        var grain = grainId.ToString();
        return _database.ReadAsync(session => Rows(session.Command(SelectByGrain).With("$grain", grain)), CancellationToken.None);
    }

    /// <inheritdoc/>
    public Task<ReminderTableData> ReadRows(uint begin, uint end)
    {
        var sql = begin < end ? SelectInRange : SelectInWrappedRange;
        return _database.ReadAsync(session => Rows(session.Command(sql).With("$begin", (long)begin).With("$end", (long)end)), CancellationToken.None);
    }

    /// <inheritdoc/>
    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        Validate(grainId);
        ArgumentNullException.ThrowIfNull(reminderName);
        var grain = grainId.ToString();
        return _database.ReadAsync(session =>
        {
            using var reader = session.Command(SelectOne).With("$grain", grain).With("$name", reminderName).ExecuteReader();
            return reader.Read() ? Entry(reader) : null;
        }, CancellationToken.None);
    }

    /// <inheritdoc/>
    public Task<string?> UpsertRow(ReminderEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Validate(entry.GrainId);
        ArgumentNullException.ThrowIfNull(entry.ReminderName, "entry.ReminderName");
        var grain = entry.GrainId.ToString();
        var name = entry.ReminderName;
        var hash = (long)entry.GrainId.GetUniformHashCode();
        // Orleans works in UTC; a local time is converted, an unspecified one taken as UTC.
        var startAt = (entry.StartAt.Kind == DateTimeKind.Local ? entry.StartAt.ToUniversalTime() : entry.StartAt).Ticks;
        var period = entry.Period.Ticks;
        return _database.WriteAsync<string?>(session =>
        {
            var etag = Guid.NewGuid().ToString("N");
            session.Command(Upsert)
                .With("$grain", grain)
                .With("$name", name)
                .With("$hash", hash)
                .With("$start", startAt)
                .With("$period", period)
                .With("$etag", etag)
                .ExecuteNonQuery();
            return etag;
        }, CancellationToken.None);
    }

    /// <inheritdoc/>
    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        Validate(grainId);
        ArgumentNullException.ThrowIfNull(reminderName);
        ArgumentNullException.ThrowIfNull(eTag);
        var grain = grainId.ToString();
        return _database.WriteAsync(
            session => session.Command(Delete).With("$grain", grain).With("$name", reminderName).With("$etag", eTag).ExecuteNonQuery() > 0,
            CancellationToken.None);
    }

    /// <inheritdoc/>
    public Task TestOnlyClearTable() => _database.WriteAsync(session => session.Command(DeleteAll).ExecuteNonQuery(), CancellationToken.None);

    private static ReminderTableData Rows(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var entries = new List<ReminderEntry>();
        while (reader.Read()) entries.Add(Entry(reader));
        return new ReminderTableData(entries);
    }

    private static ReminderEntry Entry(SqliteDataReader reader) => new()
    {
        GrainId = GrainId.Parse(reader.GetString(0)),
        ReminderName = reader.GetString(1),
        StartAt = new DateTime(reader.GetInt64(2), DateTimeKind.Utc),
        Period = TimeSpan.FromTicks(reader.GetInt64(3)),
        ETag = reader.GetString(4),
    };

    private static void Validate(GrainId grainId)
    {
        if (grainId.IsDefault) throw new ArgumentException("The grain id is the default (empty) value.", nameof(grainId));
    }
}
