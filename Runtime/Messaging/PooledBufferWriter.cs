using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace GrainStream.Runtime.Messaging;

/// <summary>An <see cref="IBufferWriter{T}"/> over a rented array with the binary primitives frames
/// are made of. A frame is encoded once, by the sender's thread, and the connection's writer only
/// copies it into its send buffer. <see cref="Rent"/> hands out a writer kept per thread, so a frame
/// that is sent (copied) and released on the thread that encoded it costs no allocation.</summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>
{
    // Larger buffers go back to the pool rather than stay with a thread's cached writer.
    private const int MaxKeptCapacity = 64 * 1024;

    [ThreadStatic]
    private static PooledBufferWriter? t_cached;

    private readonly bool _reusable;
    private byte[] _buffer;
    private int _written;

    public PooledBufferWriter(int initialCapacity = 512) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    private PooledBufferWriter(bool reusable) : this() => _reusable = reusable;

    /// <summary>An empty writer: this thread's cached one when it is free. Release it when done.</summary>
    public static PooledBufferWriter Rent()
    {
        var writer = t_cached;
        if (writer is null) return new PooledBufferWriter(reusable: true);
        t_cached = null;
        return writer;
    }

    public int WrittenCount => _written;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Returns the writer (or its array) for reuse; it must not be used afterwards.</summary>
    public void Release()
    {
        _written = 0;
        if (_reusable && _buffer.Length <= MaxKeptCapacity && t_cached is null)
        {
            t_cached = this;
            return;
        }
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }

    public void WriteByte(byte value)
    {
        GetSpan(1)[0] = value;
        _written++;
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(GetSpan(4), value);
        _written += 4;
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(GetSpan(8), value);
        _written += 8;
    }

    public void WriteGuid(Guid value)
    {
        value.TryWriteBytes(GetSpan(16));
        _written += 16;
    }

    /// <summary>Writes a length-prefixed UTF-8 string; -1 encodes null.</summary>
    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteInt32(-1);
            return;
        }
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var span = GetSpan(max + 4);
        var length = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(span, length);
        _written += length + 4;
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteInt32(value.Length);
        value.CopyTo(GetSpan(value.Length));
        _written += value.Length;
    }

    /// <summary>Reserves a 4-byte length prefix and returns its offset.</summary>
    public int ReserveLength()
    {
        var offset = _written;
        WriteInt32(0);
        return offset;
    }

    /// <summary>Fills a reserved prefix with the number of bytes written after it.</summary>
    public void PatchLength(int offset) => BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(offset), _written - offset - 4);

    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1) sizeHint = 256;
        if (_buffer.Length - _written >= sizeHint) return;
        var next = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + sizeHint));
        _buffer.AsSpan(0, _written).CopyTo(next);
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
    }
}
