using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace GrainStream.Persistence.Sqlite;

/// <summary>Parameter binding for commands that are reused across executions.</summary>
internal static class SqliteCommandExtensions
{
    /// <summary>The parameter named <paramref name="name"/>, added on first use.</summary>
    public static SqliteParameter Parameter(this SqliteCommand command, string name)
    {
        var index = command.Parameters.IndexOf(name);
        return index >= 0 ? command.Parameters[index] : command.Parameters.Add(new SqliteParameter { ParameterName = name });
    }

    /// <summary>Sets the parameter named <paramref name="name"/> and returns the command.</summary>
    public static SqliteCommand With(this SqliteCommand command, string name, object value)
    {
        command.Parameter(name).Value = value;
        return command;
    }

    /// <summary>Bytes in the form Microsoft.Data.Sqlite binds as a BLOB (a whole array), without a copy
    /// when the memory already is one.</summary>
    public static byte[] ToBlob(ReadOnlyMemory<byte> bytes)
        => MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : bytes.ToArray();

    /// <summary>Reads a BLOB column as a fresh array (never shared with anyone else).</summary>
    public static byte[] GetBlob(this SqliteDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? [] : reader.GetFieldValue<byte[]>(ordinal);
}
