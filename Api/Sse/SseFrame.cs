using System.Text;
using System.Text.Json;
using GrainStream.Streams;

namespace GrainStream.Api.Sse;

/// <summary>What a frame is.</summary>
internal enum SseFrameKind : byte
{
    /// <summary>A stream event.</summary>
    Event,
    /// <summary>The <c>reset</c> event: the client's position could not be resumed.</summary>
    Reset,
    /// <summary>The <c>: hb</c> comment.</summary>
    Heartbeat,
}

/// <summary>One Server-Sent Event, encoded to UTF-8 once, when the relay receives it, and then
/// copied as is into every connection's response: nothing is serialised per connection. Immutable
/// once built (the multiplexed form is built lazily, at most once per frame in practice).</summary>
/// <remarks>The frame is encoded inside its HTTP/1.1 chunk (size line in front, CRLF after), so one
/// array serves both the connections Kestrel writes and those written straight to their sockets:
/// half the bytes allocated per event, and half what the relay's ring keeps alive.</remarks>
internal sealed class SseFrame
{
    /// <summary>The heartbeat comment; carries no id, so it never moves a client's position.</summary>
    public static readonly SseFrame Heartbeat = new(SseFrameKind.Heartbeat, default, null, "", default, ChunkedSocketWriter.Encode(": hb\n\n"u8), 0, false);

    private readonly byte[] _chunk;
    private byte[]? _multiplexBody;

    private SseFrame(SseFrameKind kind, EventPosition token, string? topic, string eventName, ReadOnlyMemory<byte> payload, byte[] chunk, int bodyOffset, bool endsStream)
    {
        Kind = kind;
        Token = token;
        Topic = topic;
        EventName = eventName;
        Payload = payload;
        _chunk = chunk;
        BodyOffset = bodyOffset;
        EndsStream = endsStream;
    }

    public SseFrameKind Kind { get; }

    /// <summary>The stream position this frame brings a client to.</summary>
    public EventPosition Token { get; }

    /// <summary>The topic (<c>namespace:key</c>) of the stream; one string instance per relay.</summary>
    public string? Topic { get; }

    public string EventName { get; }

    /// <summary>The payload (UTF-8 JSON) as the stream delivered it.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The complete frame for a single-stream connection: <c>id:</c>, <c>event:</c>, <c>data:</c> lines and the blank line.</summary>
    public ReadOnlySpan<byte> Bytes => ChunkedSocketWriter.ChunkData(_chunk);

    /// <summary><see cref="Bytes"/> as one HTTP/1.1 chunk, for connections written by <see cref="ChunkedSocketWriter"/>; shared by every connection.</summary>
    public ReadOnlySpan<byte> Chunk => _chunk;

    /// <summary>The array behind <see cref="Chunk"/>, for sends that need it pinned (<see cref="SocketSendRing"/>); never written to.</summary>
    public byte[] ChunkArray => _chunk;

    /// <summary>Where the <c>event:</c> line starts in <see cref="Bytes"/> (after the id line).</summary>
    public int BodyOffset { get; }

    /// <summary>A single-stream connection ends after writing this frame (a task's terminal status).</summary>
    public bool EndsStream { get; }

    /// <summary>The frame for a stream event.</summary>
    public static SseFrame ForEvent(StreamEvent streamEvent, string topic, bool endsStream)
    {
        var chunk = Encode(streamEvent.Position.ToString(), streamEvent.EventName, default, streamEvent.Payload.Span, default, out var bodyOffset, chunked: true);
        return new SseFrame(SseFrameKind.Event, streamEvent.Position, topic, streamEvent.EventName, streamEvent.Payload, chunk, bodyOffset, endsStream);
    }

    /// <summary>The <c>reset</c> event: the client continues from <paramref name="position"/> (live),
    /// not from <paramref name="requested"/>, for <paramref name="reason"/>.</summary>
    public static SseFrame ForReset(EventPosition position, string topic, string reason, EventPosition? requested)
    {
        var json = new StringBuilder(96).Append("{\"reason\":\"").Append(reason).Append('"');
        if (requested is { } r) json.Append(",\"requested\":\"").Append(r.ToString()).Append('"');
        json.Append(",\"position\":\"").Append(position.ToString()).Append("\"}");
        var payload = Encoding.UTF8.GetBytes(json.ToString());
        var chunk = Encode(position.ToString(), "reset", default, payload, default, out var bodyOffset, chunked: true);
        return new SseFrame(SseFrameKind.Reset, position, topic, "reset", payload, chunk, bodyOffset, false);
    }

    /// <summary>The frame without its id line, as a multiplexed connection writes it: <c>event:</c>
    /// and <c>data: {"topic":"…","data":&lt;payload&gt;}</c>. The connection writes its own composite id.</summary>
    public ReadOnlySpan<byte> MultiplexBody
    {
        get
        {
            if (Kind == SseFrameKind.Heartbeat) return Bytes;
            // Built on first use by any multiplexed connection and then shared; a race builds it twice, harmlessly.
            return _multiplexBody ??= BuildMultiplexBody();
        }
    }

    private byte[] BuildMultiplexBody()
    {
        var prefix = Encoding.UTF8.GetBytes("{\"topic\":\"" + JsonEncodedText.Encode(Topic ?? "").Value + "\",\"data\":");
        return Encode(null, EventName, prefix, Payload.Span, "}"u8, out _, chunked: false);
    }

    /// <summary>Encodes <c>id:</c> (when given), <c>event:</c> and the data split into <c>data:</c>
    /// lines at every CR, LF or CRLF, so that no payload can break the framing (JSON stays valid:
    /// the client joins the lines with LF, which JSON reads as whitespace).</summary>
    internal static byte[] Encode(string? id, string eventName, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> suffix, out int bodyOffset, bool chunked)
    {
        var idLength = id is null ? 0 : 4 + Encoding.UTF8.GetByteCount(id) + 1;
        var name = SafeField(eventName);
        var eventLength = 7 + Encoding.UTF8.GetByteCount(name) + 1;
        var lines = 1;
        var breakBytes = 0;
        for (var i = 0; i < payload.Length; i++)
        {
            var b = payload[i];
            if (b == (byte)'\r')
            {
                lines++;
                breakBytes++;
                if (i + 1 < payload.Length && payload[i + 1] == (byte)'\n')
                {
                    breakBytes++;
                    i++;
                }
            }
            else if (b == (byte)'\n')
            {
                lines++;
                breakBytes++;
            }
        }
        var dataLength = 7 * lines + prefix.Length + payload.Length - breakBytes + suffix.Length;
        var frameLength = idLength + eventLength + dataLength + 1;
        var frameStart = 0;
        var buffer = chunked ? ChunkedSocketWriter.AllocateChunk(frameLength, out frameStart) : new byte[frameLength];
        var span = buffer.AsSpan(frameStart, frameLength);
        var at = 0;
        if (id is not null)
        {
            at += Copy("id: "u8, span[at..]);
            at += Encoding.UTF8.GetBytes(id, span[at..]);
            span[at++] = (byte)'\n';
        }
        bodyOffset = at;
        at += Copy("event: "u8, span[at..]);
        at += Encoding.UTF8.GetBytes(name, span[at..]);
        span[at++] = (byte)'\n';
        at += Copy("data: "u8, span[at..]);
        at += Copy(prefix, span[at..]);
        for (var i = 0; i < payload.Length; i++)
        {
            var b = payload[i];
            if (b is (byte)'\r' or (byte)'\n')
            {
                if (b == (byte)'\r' && i + 1 < payload.Length && payload[i + 1] == (byte)'\n') i++;
                span[at++] = (byte)'\n';
                at += Copy("data: "u8, span[at..]);
            }
            else
            {
                span[at++] = b;
            }
        }
        at += Copy(suffix, span[at..]);
        span[at++] = (byte)'\n';
        span[at++] = (byte)'\n';
        System.Diagnostics.Debug.Assert(at == span.Length);
        return buffer;
    }

    /// <summary>A field value (event name, id) must be one line.</summary>
    private static string SafeField(string value) => value.AsSpan().ContainsAny('\r', '\n') ? value.Replace('\r', '_').Replace('\n', '_') : value;

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }
}
