using System.Buffers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections.Features;

namespace GrainStream.Api.Sse;

/// <summary>Writes an event stream's body as HTTP/1.1 chunks straight to the connection's socket,
/// once Kestrel has sent the response head. A fan-out writes one small chunk to thousands of
/// connections per event; through Kestrel each write also passes its response writer, chunk encoder,
/// output pipe and send loop, which cost about as much CPU as the send itself (measured in
/// <c>Bench/</c>). Used only where that is safe (see <see cref="TryReserve"/>); everywhere else the
/// stream goes through Kestrel as usual, and Kestrel still writes the last chunk when the stream ends.</summary>
/// <remarks>A send that the socket cannot take whole is finished asynchronously before anything else is
/// written, so the bytes on the wire stay in order. Static, so that an idle stream pays only for its
/// reference to the socket.</remarks>
internal static class ChunkedSocketWriter
{
    /// <summary>Takes the socket of <paramref name="context"/>'s connection for this response (see
    /// <see cref="OrderedSocketOutput"/>), or null when the response must stay with Kestrel: not
    /// plain-text HTTP/1.1 over Kestrel's socket transport, or not the connection's first response.
    /// Call before the response head is written.</summary>
    public static OrderedSocketOutput? TryReserve(HttpContext context)
    {
        if (context.Request.IsHttps || !HttpProtocol.IsHttp11(context.Request.Protocol)) return null;
        return context.Features.Get<IConnectionTransportFeature>()?.Transport is OrderedSocketOutput output && output.TryTakeSocket() ? output : null;
    }

    /// <summary>The socket to write <paramref name="context"/>'s body to directly, once the response
    /// head and what followed it were flushed through <paramref name="reserved"/> (so are with the
    /// kernel), or null when the body must stay with Kestrel (not reserved, or not chunked).</summary>
    public static Socket? TryTake(HttpContext context, OrderedSocketOutput? reserved)
    {
        if (reserved is not { IsTaken: true }) return null;
        if (!string.Equals(context.Response.Headers.TransferEncoding, "chunked", StringComparison.OrdinalIgnoreCase)) return null;
        return reserved.Socket;
    }

    /// <summary>One chunk carrying <paramref name="payload"/>, ready to send.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> payload)
    {
        var chunk = AllocateChunk(payload.Length, out var dataStart);
        payload.CopyTo(chunk.AsSpan(dataStart));
        return chunk;
    }

    /// <summary>A chunk of <paramref name="length"/> data bytes with its size line and closing CRLF in
    /// place; the caller writes the data at <paramref name="dataStart"/>.</summary>
    public static byte[] AllocateChunk(int length, out int dataStart)
    {
        dataStart = HeaderLength(length);
        var chunk = new byte[dataStart + length + 2];
        WriteHeader(chunk.AsSpan(0, dataStart), length);
        "\r\n"u8.CopyTo(chunk.AsSpan(dataStart + length));
        return chunk;
    }

    /// <summary>The data of a chunk made by <see cref="Encode"/> or <see cref="AllocateChunk"/>.</summary>
    public static ReadOnlySpan<byte> ChunkData(byte[] chunk)
    {
        var dataStart = chunk.AsSpan(0, Math.Min(chunk.Length, 10)).IndexOf((byte)'\r') + 2;
        return chunk.AsSpan(dataStart, chunk.Length - dataStart - 2);
    }

    /// <summary>Sends <paramref name="chunks"/> (whole chunks) as far as the socket takes them at once:
    /// null when all went, else what is left, for <see cref="SendRestAsync"/>. Throws when the connection is gone.</summary>
    public static byte[]? TrySend(Socket socket, ReadOnlySpan<byte> chunks)
    {
        var sent = socket.Send(chunks, SocketFlags.None, out var error);
        if (error == SocketError.Success && sent == chunks.Length) return null;
        if (error is not (SocketError.Success or SocketError.WouldBlock)) throw new SocketException((int)error);
        return chunks[Math.Max(0, sent)..].ToArray();
    }

    /// <summary>Sends what <see cref="TrySend"/> left, waiting for the socket to take it.</summary>
    public static async ValueTask SendRestAsync(Socket socket, byte[] rest, CancellationToken cancellationToken)
    {
        for (var sent = 0; sent < rest.Length;)
        {
            sent += await socket.SendAsync(rest.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
    }

    private static int HeaderLength(int length)
    {
        var digits = 1;
        for (var rest = length >> 4; rest != 0; rest >>= 4) digits++;
        return digits + 2;
    }

    private static void WriteHeader(Span<byte> header, int length)
    {
        var at = header.Length - 2;
        header[at] = (byte)'\r';
        header[at + 1] = (byte)'\n';
        do
        {
            header[--at] = (byte)"0123456789abcdef"[length & 0xF];
            length >>= 4;
        }
        while (length != 0);
    }

    /// <summary>A chunk built from several pieces (frames queued together, multiplexed ids): room for
    /// the chunk's size line is kept in front, so the finished chunk is one span, sent in one call.
    /// One per thread, used between two awaits only.</summary>
    public sealed class ChunkBuilder : IBufferWriter<byte>
    {
        private const int HeaderRoom = 10; // eight hex digits and CRLF

        [ThreadStatic]
        private static ChunkBuilder? t_current;

        private const int InitialBuffer = 4096;
        private const int MaxKeptBuffer = 64 * 1024;

        private byte[] _buffer = new byte[InitialBuffer];
        private int _length = HeaderRoom;

        /// <summary>This thread's builder, emptied.</summary>
        public static ChunkBuilder Rent()
        {
            var builder = t_current ??= new ChunkBuilder();
            builder._length = HeaderRoom;
            // A burst (a queue of frames sent as one chunk) grows the buffer; one per thread would
            // otherwise keep the largest it ever needed.
            if (builder._buffer.Length > MaxKeptBuffer) builder._buffer = new byte[InitialBuffer];
            return builder;
        }

        /// <summary>The buffer's capacity a thread keeps between uses.</summary>
        internal int Capacity => _buffer.Length;

        /// <summary>True when nothing was written since <see cref="Rent"/>.</summary>
        public bool IsEmpty => _length == HeaderRoom;

        /// <summary>The finished chunk: size line, what was written, CRLF.</summary>
        public ReadOnlySpan<byte> Finish()
        {
            var payload = _length - HeaderRoom;
            "\r\n"u8.CopyTo(GetSpan(2));
            var header = HeaderLength(payload);
            var start = HeaderRoom - header;
            WriteHeader(_buffer.AsSpan(start, header), payload);
            return _buffer.AsSpan(start, HeaderRoom + payload + 2 - start);
        }

        public void Advance(int count) => _length += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Reserve(sizeHint);
            return _buffer.AsMemory(_length);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Reserve(sizeHint);
            return _buffer.AsSpan(_length);
        }

        private void Reserve(int sizeHint)
        {
            var needed = _length + Math.Max(sizeHint, 1);
            if (needed > _buffer.Length) Array.Resize(ref _buffer, Math.Max(needed, _buffer.Length * 2));
        }
    }
}
