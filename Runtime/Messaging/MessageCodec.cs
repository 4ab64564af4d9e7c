using System.Text.Json;
using GrainStream.Invocation;
using GrainStream.Serialization;
using GrainStream.Streams;

namespace GrainStream.Runtime.Messaging;

/// <summary>Encodes and decodes the frames of the wire protocol. Headers are binary; arguments,
/// results and payloads are UTF-8 JSON written straight into the frame buffer.</summary>
internal static class MessageCodec
{
    [ThreadStatic]
    private static Utf8JsonWriter? t_jsonWriter;

    private static Utf8JsonWriter JsonWriter(PooledBufferWriter buffer)
    {
        var writer = t_jsonWriter ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        writer.Reset(buffer);
        return writer;
    }

    /// <summary>Encodes a call; <paramref name="sendingSilo"/> is the sender's address as text (rendered once by the caller).</summary>
    public static PooledBufferWriter EncodeRequest(long messageId, string? sendingSilo, Guid sendingClient, GrainId target, Invokable invokable, int forwardCount, GrainSerializer serializer)
    {
        var frame = PooledBufferWriter.Rent();
        try
        {
            var start = frame.ReserveLength();
            frame.WriteByte((byte)FrameKind.Request);
            frame.WriteInt64(messageId);
            frame.WriteString(sendingSilo);
            frame.WriteGuid(sendingClient);
            frame.WriteString(target.Type);
            frame.WriteString(target.Key);
            frame.WriteInt32(invokable.InterfaceId);
            frame.WriteInt32(invokable.MethodId);
            frame.WriteByte((byte)forwardCount);
            var json = JsonWriter(frame);
            invokable.WriteArguments(json, serializer);
            json.Flush();
            frame.PatchLength(start);
            return frame;
        }
        catch
        {
            frame.Release();
            throw;
        }
    }

    /// <summary>A decoded request header; the arguments follow in <see cref="FrameReader.Remaining"/>.</summary>
    public readonly record struct RequestHeader(long MessageId, SiloAddress? SendingSilo, Guid SendingClient, GrainId Target, int InterfaceId, int MethodId, int ForwardCount);

    public static RequestHeader ReadRequestHeader(ref FrameReader reader, Transport.FrameDecodeCache cache)
    {
        var id = reader.ReadInt64();
        var silo = reader.ReadString(cache);
        var client = reader.ReadGuid();
        var type = reader.ReadRequiredString(cache);
        var key = reader.ReadRequiredString(cache);
        var interfaceId = reader.ReadInt32();
        var methodId = reader.ReadInt32();
        var forwardCount = reader.ReadByte();
        return new RequestHeader(id, silo is null ? null : cache.ParseSilo(silo), client, new GrainId(type, key), interfaceId, methodId, forwardCount);
    }

    public static void ReadArguments(Invokable invokable, ReadOnlySpan<byte> json, GrainSerializer serializer)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        invokable.ReadArguments(ref reader, serializer);
    }

    public static PooledBufferWriter EncodeResponse<T>(long messageId, Guid targetClient, T result, GrainSerializer serializer)
    {
        var frame = PooledBufferWriter.Rent();
        try
        {
            var start = WriteResponseHeader(frame, messageId, targetClient, ok: true);
            var json = JsonWriter(frame);
            serializer.Write(json, result);
            json.Flush();
            frame.PatchLength(start);
            return frame;
        }
        catch
        {
            frame.Release();
            throw;
        }
    }

    public static PooledBufferWriter EncodeError(long messageId, Guid targetClient, Exception exception)
    {
        var frame = PooledBufferWriter.Rent();
        var start = WriteResponseHeader(frame, messageId, targetClient, ok: false);
        ExceptionCodec.Write(frame, exception);
        frame.PatchLength(start);
        return frame;
    }

    private static int WriteResponseHeader(PooledBufferWriter frame, long messageId, Guid targetClient, bool ok)
    {
        var start = frame.ReserveLength();
        frame.WriteByte((byte)FrameKind.Response);
        frame.WriteInt64(messageId);
        frame.WriteGuid(targetClient);
        frame.WriteByte(ok ? (byte)1 : (byte)0);
        return start;
    }

    /// <summary>Copies a received frame to send it on (relaying to a client).</summary>
    public static PooledBufferWriter Copy(ReadOnlySpan<byte> frameWithoutPrefix)
    {
        var frame = PooledBufferWriter.Rent();
        frame.WriteInt32(frameWithoutPrefix.Length);
        frameWithoutPrefix.CopyTo(frame.GetSpan(frameWithoutPrefix.Length));
        frame.Advance(frameWithoutPrefix.Length);
        return frame;
    }

    public static PooledBufferWriter EncodePing(FrameKind kind, long id)
    {
        var frame = PooledBufferWriter.Rent();
        var start = frame.ReserveLength();
        frame.WriteByte((byte)kind);
        frame.WriteInt64(id);
        frame.PatchLength(start);
        return frame;
    }

    public static PooledBufferWriter EncodeDelivery(StreamDelivery delivery)
    {
        var frame = PooledBufferWriter.Rent();
        var start = frame.ReserveLength();
        frame.WriteByte((byte)FrameKind.StreamDelivery);
        frame.WriteGuid(delivery.TargetClient);
        frame.WriteString(delivery.StreamId.Namespace);
        frame.WriteString(delivery.StreamId.Key);
        var ids = delivery.SubscriptionIds;
        frame.WriteInt32(ids.Count);
        for (var i = 0; i < ids.Count; i++) frame.WriteGuid(ids[i]);
        if (delivery.Truncated is { } truncated)
        {
            frame.WriteByte(1);
            frame.WriteInt64(truncated.Requested.Epoch);
            frame.WriteInt64(truncated.Requested.Sequence);
            frame.WriteInt64(truncated.FirstAvailable.Epoch);
            frame.WriteInt64(truncated.FirstAvailable.Sequence);
            frame.WriteByte((byte)truncated.Reason);
        }
        else
        {
            frame.WriteByte(0);
        }
        var events = delivery.Events;
        frame.WriteInt32(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            frame.WriteInt64(e.Token.Epoch);
            frame.WriteInt64(e.Token.Sequence);
            frame.WriteString(e.EventName);
            frame.WriteInt64(e.Timestamp.UtcTicks);
            frame.WriteBytes(e.Payload.Span);
        }
        frame.PatchLength(start);
        return frame;
    }

    public static StreamDelivery ReadDelivery(ref FrameReader reader, Transport.FrameDecodeCache cache)
    {
        var client = reader.ReadGuid();
        var streamId = new StreamId(reader.ReadRequiredString(cache), reader.ReadRequiredString(cache));
        var subscriptionCount = reader.ReadInt32();
        if (subscriptionCount is < 0 or > 1_000_000) throw new InvalidDataException("Bad subscription count.");
        var ids = new Guid[subscriptionCount];
        for (var i = 0; i < ids.Length; i++) ids[i] = reader.ReadGuid();
        StreamHistoryTruncated? truncated = null;
        if (reader.ReadByte() == 1)
        {
            var requested = new StreamSequenceToken(reader.ReadInt64(), reader.ReadInt64());
            var first = new StreamSequenceToken(reader.ReadInt64(), reader.ReadInt64());
            truncated = new StreamHistoryTruncated(streamId, requested, first, (StreamHistoryTruncationReason)reader.ReadByte());
        }
        var count = reader.ReadInt32();
        if (count is < 0 or > 10_000_000) throw new InvalidDataException("Bad event count.");
        var events = new StreamEvent[count];
        for (var i = 0; i < count; i++)
        {
            var token = new StreamSequenceToken(reader.ReadInt64(), reader.ReadInt64());
            var name = reader.ReadRequiredString(cache);
            var timestamp = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
            var payload = reader.ReadBytes().ToArray();
            events[i] = new StreamEvent(streamId, token, name, timestamp, payload);
        }
        return new StreamDelivery(client, streamId, ids, truncated, events);
    }
}

/// <summary>Events of one stream for one endpoint's subscriptions, in order, optionally preceded by
/// a truncation signal.</summary>
internal sealed record StreamDelivery(Guid TargetClient, StreamId StreamId, IReadOnlyList<Guid> SubscriptionIds, StreamHistoryTruncated? Truncated, IReadOnlyList<StreamEvent> Events);
