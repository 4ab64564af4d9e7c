using System.Buffers.Binary;
using System.Text;

namespace GrainStream.Runtime.Messaging;

/// <summary>Reads the primitives written by <see cref="PooledBufferWriter"/> from one frame.
/// Any read past the end throws <see cref="InvalidDataException"/>, which closes the connection.</summary>
internal ref struct FrameReader(ReadOnlySpan<byte> frame)
{
    private readonly ReadOnlySpan<byte> _frame = frame;
    private int _position;

    public readonly ReadOnlySpan<byte> Remaining => _frame[_position..];

    public byte ReadByte() => Take(1)[0];

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public Guid ReadGuid() => new(Take(16));

    public string? ReadString()
    {
        var length = ReadInt32();
        if (length == -1) return null;
        return Encoding.UTF8.GetString(Take(length));
    }

    public string ReadRequiredString() => ReadString() ?? throw new InvalidDataException("A required string was null.");

    /// <summary>Reads a string through <paramref name="cache"/>, which returns the same instance for repeated values.</summary>
    public string? ReadString(Transport.FrameDecodeCache cache)
    {
        var length = ReadInt32();
        if (length == -1) return null;
        return cache.GetString(Take(length));
    }

    public string ReadRequiredString(Transport.FrameDecodeCache cache) => ReadString(cache) ?? throw new InvalidDataException("A required string was null.");

    public ReadOnlySpan<byte> ReadBytes() => Take(ReadInt32());

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || _position + count > _frame.Length) throw new InvalidDataException("Frame is shorter than its contents claim.");
        var slice = _frame.Slice(_position, count);
        _position += count;
        return slice;
    }
}
