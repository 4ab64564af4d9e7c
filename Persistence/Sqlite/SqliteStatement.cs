using System.Buffers;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace GrainStream.Persistence.Sqlite;

/// <summary>A statement compiled once on a session's connection and run through SQLite's own API.
/// Parameters are numbered (<c>?1</c>, <c>?2</c>, …) and bound by position.</summary>
/// <remarks>For the statements of every append: a <see cref="SqliteCommand"/> allocates a data
/// reader, a statement enumerator and a binder per parameter on each execution, which came to
/// about a quarter of the bytes allocated per chat post (and so of the garbage collections that pause
/// the fan-out). Binding and stepping here allocate nothing. Errors surface as
/// <see cref="SqliteException"/> with SQLite's primary result code, as Microsoft.Data.Sqlite's do,
/// so <see cref="SqliteBusy"/> treats both alike.</remarks>
internal sealed class SqliteStatement : IDisposable
{
    private const int SqliteRow = 100;
    private const int SqliteDone = 101;
    private const int MaxStackText = 512;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    /// <summary>Compiles <paramref name="sql"/> (one statement) on <paramref name="db"/>.</summary>
    public SqliteStatement(sqlite3 db, string sql)
    {
        _db = db;
        var rc = raw.sqlite3_prepare_v2(db, sql, out _statement);
        if (rc != raw.SQLITE_OK) throw Failure(rc);
    }

    /// <summary>Binds an integer to parameter <paramref name="index"/> (1-based).</summary>
    public SqliteStatement Bind(int index, long value)
    {
        Check(raw.sqlite3_bind_int64(_statement, index, value));
        return this;
    }

    /// <summary>Binds text to parameter <paramref name="index"/>; SQLite copies it.</summary>
    public SqliteStatement Bind(int index, string value)
    {
        var length = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        var buffer = length <= MaxStackText ? stackalloc byte[MaxStackText] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(value, buffer);
            Check(raw.sqlite3_bind_text(_statement, index, buffer[..written]));
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
        return this;
    }

    /// <summary>Binds text already encoded as UTF-8 to parameter <paramref name="index"/>; SQLite copies it.
    /// Saves decoding it into a string first (Orleans ids hold their parts as UTF-8).</summary>
    public SqliteStatement BindText(int index, ReadOnlySpan<byte> utf8)
    {
        // An empty span pins to a null pointer, which SQLite binds as NULL; the string overload binds empty text.
        Check(utf8.IsEmpty ? raw.sqlite3_bind_text(_statement, index, "") : raw.sqlite3_bind_text(_statement, index, utf8));
        return this;
    }

    /// <summary>Binds a BLOB to parameter <paramref name="index"/>; SQLite copies it.</summary>
    public SqliteStatement Bind(int index, ReadOnlySpan<byte> value)
    {
        // An empty span would bind NULL; a zero-length BLOB is what was written.
        Check(value.IsEmpty ? raw.sqlite3_bind_zeroblob(_statement, index, 0) : raw.sqlite3_bind_blob(_statement, index, value));
        return this;
    }

    /// <summary>Runs a statement that returns no rows (or whose rows are not wanted).</summary>
    public void Execute()
    {
        try
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc is not (SqliteDone or SqliteRow)) throw Failure(rc);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Steps to the next row: true when there is one. Call <see cref="Reset"/> when done reading.</summary>
    public bool Read()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc == SqliteRow) return true;
        if (rc == SqliteDone) return false;
        var failure = Failure(rc);
        raw.sqlite3_reset(_statement);
        throw failure;
    }

    /// <summary>The integer in column <paramref name="column"/> (0-based) of the current row.</summary>
    public long GetInt64(int column) => raw.sqlite3_column_int64(_statement, column);

    /// <summary>Ends a read, so that the statement can run again.</summary>
    public void Reset() => raw.sqlite3_reset(_statement);

    public void Dispose() => _statement.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) throw Failure(rc);
    }

    private SqliteException Failure(int rc)
        => new(raw.sqlite3_errmsg(_db).utf8_to_string() ?? $"SQLite error {rc}", rc & 0xFF, rc);
}
