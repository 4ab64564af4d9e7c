using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using GrainStream.Streams;

namespace GrainStream.Api.Sse;

/// <summary>The position of a multiplexed connection in each of its topics. Its event id is one
/// opaque cursor covering every topic (base64url of <c>topic=epoch-seq;…</c>), so a single
/// <c>Last-Event-ID</c> resumes them all.</summary>
internal sealed class MultiplexCursor
{
    private readonly string[] _topics;
    private readonly EventPosition?[] _positions;

    public MultiplexCursor(IReadOnlyList<string> topics)
    {
        _topics = [.. topics];
        _positions = new EventPosition?[_topics.Length];
    }

    /// <summary>Records that the client is at <paramref name="position"/> in <paramref name="topic"/>.</summary>
    public void Set(string topic, EventPosition position)
    {
        for (var i = 0; i < _topics.Length; i++)
        {
            if (ReferenceEquals(_topics[i], topic) || string.Equals(_topics[i], topic, StringComparison.Ordinal))
            {
                _positions[i] = position;
                return;
            }
        }
    }

    /// <summary>Writes the cursor (base64url, no padding) into <paramref name="writer"/>.</summary>
    public void WriteId(IBufferWriter<byte> writer)
    {
        var text = new StringBuilder(_topics.Length * 32);
        for (var i = 0; i < _topics.Length; i++)
        {
            if (_positions[i] is not { } position) continue;
            if (text.Length > 0) text.Append(';');
            text.Append(_topics[i]).Append('=').Append(position.ToString());
        }
        var length = Encoding.UTF8.GetByteCount(text.ToString());
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(text.ToString(), rented);
            var encodedLength = Base64Url.GetEncodedLength(written);
            var destination = writer.GetSpan(encodedLength);
            Base64Url.EncodeToUtf8(rented.AsSpan(0, written), destination);
            writer.Advance(encodedLength);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The current cursor as a string (tests, diagnostics).</summary>
    public string Id
    {
        get
        {
            var buffer = new ArrayBufferWriter<byte>();
            WriteId(buffer);
            return Encoding.ASCII.GetString(buffer.WrittenSpan);
        }
    }

    /// <summary>Parses a cursor printed by <see cref="WriteId"/>; false when it is not one.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out Dictionary<string, EventPosition>? positions)
    {
        positions = null;
        if (string.IsNullOrEmpty(value) || value.Length > 16_384) return false;
        var bytes = new byte[Base64Url.GetMaxDecodedLength(value.Length)];
        string text;
        try
        {
            // TryDecodeFromChars throws on characters outside the alphabet rather than returning false.
            if (!Base64Url.TryDecodeFromChars(value, bytes, out var decodedLength)) return false;
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, decodedLength);
        }
        catch (Exception exception) when (exception is FormatException or DecoderFallbackException)
        {
            return false;
        }
        var result = new Dictionary<string, EventPosition>(StringComparer.Ordinal);
        foreach (var part in text.Split(';'))
        {
            var equals = part.LastIndexOf('=');
            if (equals <= 0) return false;
            var topic = part[..equals];
            if (!EventTopic.TryParse(topic, out _, out _)) return false;
            if (!EventPosition.TryParse(part[(equals + 1)..], out var token)) return false;
            if (!result.TryAdd(topic, token)) return false;
        }
        positions = result;
        return true;
    }
}
