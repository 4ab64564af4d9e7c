using System.Net;
using System.Net.Sockets;
using System.Text;
using GrainStream.Api.Sse;
using Microsoft.AspNetCore.Http;

namespace GrainStream.Tests.Api;

/// <summary>The HTTP/1.1 chunks that direct socket writes put on the wire (the streams themselves are
/// covered end to end by the API tests, over Kestrel on 127.0.0.1).</summary>
public sealed class ChunkedSocketWriterTests
{
    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes);

    [Theory]
    [InlineData(1, "1")]
    [InlineData(15, "f")]
    [InlineData(16, "10")]
    [InlineData(0x1234, "1234")]
    public void A_chunk_is_its_size_in_hex_then_the_payload_between_line_breaks(int length, string size)
    {
        var payload = new string('x', length);
        Assert.Equal($"{size}\r\n{payload}\r\n", Text(ChunkedSocketWriter.Encode(Encoding.ASCII.GetBytes(payload))));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"text\":\"line one\\nline two\"}")]
    [InlineData(null)]
    public void An_event_frame_is_encoded_inside_its_chunk(string? json)
    {
        var frame = TestFrames.Message(7, json ?? "{\"n\":\"" + new string('n', 5000) + "\"}");

        Assert.StartsWith("id: 1-7\nevent: message\ndata: ", Text(frame.Bytes));
        Assert.Equal(Text(ChunkedSocketWriter.Encode(frame.Bytes)), Text(frame.Chunk));
        Assert.Equal("6\r\n: hb\n\n\r\n", Text(SseFrame.Heartbeat.Chunk));
        Assert.Equal(": hb\n\n", Text(SseFrame.Heartbeat.Bytes));
    }

    [Fact]
    public void A_built_chunk_carries_every_piece_written_into_it_even_past_its_first_buffer()
    {
        var builder = ChunkedSocketWriter.ChunkBuilder.Rent();
        Assert.True(builder.IsEmpty);
        var pieces = Enumerable.Range(0, 300).Select(i => $"id: {i}\ndata: {new string('d', 20)}\n\n").ToArray();
        foreach (var piece in pieces)
        {
            var bytes = Encoding.ASCII.GetBytes(piece);
            bytes.CopyTo(builder.GetSpan(bytes.Length));
            builder.Advance(bytes.Length);
        }
        var payload = string.Concat(pieces);
        Assert.True(payload.Length > 4096);
        Assert.Equal($"{payload.Length:x}\r\n{payload}\r\n", Text(builder.Finish()));
    }

    [Fact]
    public void A_thread_does_not_keep_the_buffer_of_a_burst()
    {
        var builder = ChunkedSocketWriter.ChunkBuilder.Rent();
        builder.GetSpan(1 << 20);
        builder.Advance(1 << 20);
        builder.Finish();

        Assert.True(ChunkedSocketWriter.ChunkBuilder.Rent().Capacity <= 64 * 1024);
    }

    [Fact]
    public void A_rented_builder_starts_empty_again()
    {
        var first = ChunkedSocketWriter.ChunkBuilder.Rent();
        "abc"u8.CopyTo(first.GetSpan(3));
        first.Advance(3);
        Assert.Equal("3\r\nabc\r\n", Text(first.Finish()));

        var second = ChunkedSocketWriter.ChunkBuilder.Rent();
        Assert.True(second.IsEmpty);
        "z"u8.CopyTo(second.GetSpan(1));
        second.Advance(1);
        Assert.Equal("1\r\nz\r\n", Text(second.Finish()));
    }

    [Fact]
    public void A_response_without_a_socket_of_Kestrel_stays_with_the_server()
    {
        var context = new DefaultHttpContext();
        context.Request.Protocol = "HTTP/1.1";
        context.Response.Headers.TransferEncoding = "chunked";
        Assert.Null(ChunkedSocketWriter.TryTake(context, ChunkedSocketWriter.TryReserve(context)));
    }

    [Fact]
    public async Task What_a_full_socket_does_not_take_at_once_is_sent_later_whole_and_in_order()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        // Small buffers on both sides, and a receiver that does not read yet: the send cannot go at once.
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { SendBufferSize = 4096 };
        await sender.ConnectAsync(listener.LocalEndPoint!);
        using var receiver = await listener.AcceptAsync();
        receiver.ReceiveBufferSize = 4096;
        sender.Blocking = false;

        var payload = Enumerable.Range(0, 64 * 1024).Select(i => (byte)('a' + i % 26)).ToArray();
        var chunks = ChunkedSocketWriter.Encode(payload);
        var rest = ChunkedSocketWriter.TrySend(sender, chunks);
        Assert.NotNull(rest);
        Assert.True(rest.Length < chunks.Length);

        var sending = ChunkedSocketWriter.SendRestAsync(sender, rest, CancellationToken.None).AsTask();
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (received.Length < chunks.Length)
        {
            var read = await receiver.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            Assert.True(read > 0, "The connection closed before everything arrived.");
            received.Write(buffer, 0, read);
        }
        await sending.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(chunks, received.ToArray());
    }
}
