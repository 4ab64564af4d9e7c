using System.Text;
using GrainStream.Api.Sse;

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
}
