using System.Text;
using GrainStream.Api.Sse;
using GrainStream.Streams;
using Microsoft.AspNetCore.Http;

namespace GrainStream.Tests.Api;

/// <summary>The encoding and the per-connection queue policy, without a network.</summary>
public sealed class SseFramingTests
{
    private static SseFrame Frame(long sequence, string payload = "{}") => TestFrames.Message(sequence, payload);

    [Fact]
    public void A_frame_has_its_id_event_and_one_data_line_per_payload_line()
    {
        var frame = Frame(5, "{\"a\":\n1,\r\n\"b\":\r2}");
        Assert.Equal("id: 1-5\nevent: message\ndata: {\"a\":\ndata: 1,\ndata: \"b\":\ndata: 2}\n\n", Encoding.UTF8.GetString(frame.Bytes));
        Assert.Equal("event: message\ndata: {\"a\":\ndata: 1,\ndata: \"b\":\ndata: 2}\n\n", Encoding.UTF8.GetString(frame.Bytes[frame.BodyOffset..]));
    }

    [Fact]
    public void The_multiplexed_body_wraps_the_payload_with_its_topic()
    {
        var frame = Frame(1, "{\"text\":\"hi\"}");
        Assert.Equal("event: message\ndata: {\"topic\":\"chat:x\",\"data\":{\"text\":\"hi\"}}\n\n", Encoding.UTF8.GetString(frame.MultiplexBody));
    }

    [Fact]
    public void The_multiplex_cursor_round_trips()
    {
        var cursor = new MultiplexCursor(["chat:a", "stock:B", "queue:q/c"]);
        cursor.Set("chat:a", new EventPosition(7, 3));
        cursor.Set("queue:q/c", new EventPosition(8, 1));
        Assert.True(MultiplexCursor.TryParse(cursor.Id, out var positions));
        Assert.Equal(2, positions.Count);
        Assert.Equal(new EventPosition(7, 3), positions["chat:a"]);
        Assert.Equal(new EventPosition(8, 1), positions["queue:q/c"]);
        Assert.False(MultiplexCursor.TryParse("1-1", out _));
    }

    private static (SseConnection Connection, MemoryStream Body) Connection(int capacity, bool latestWins)
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        return (new SseConnection(context, new SseOptions { QueueCapacity = capacity, RetryMilliseconds = 500 }, latestWins), body);
    }

    [Fact]
    public async Task A_connection_that_falls_a_queue_behind_is_cut_off_after_what_it_has_and_a_retry_hint()
    {
        var (connection, body) = Connection(capacity: 4, latestWins: false);
        for (var i = 1; i <= 6; i++) connection.Offer(Frame(i));
        Assert.True(connection.WasCutOff);
        await connection.RunAsync().WaitAsync(TimeSpan.FromSeconds(5));
        var text = Encoding.UTF8.GetString(body.ToArray());
        Assert.Equal(["1-1", "1-2", "1-3", "1-4"], text.Split('\n').Where(l => l.StartsWith("id: ", StringComparison.Ordinal)).Select(l => l[4..]));
        Assert.EndsWith("retry: 500\n\n", text);
    }

    [Fact]
    public async Task A_latest_wins_connection_drops_its_oldest_frames_and_ends_on_the_latest()
    {
        var (connection, body) = Connection(capacity: 3, latestWins: true);
        for (var i = 1; i <= 10; i++) connection.Offer(Frame(i));
        Assert.False(connection.WasCutOff);
        connection.Stop();
        await connection.RunAsync().WaitAsync(TimeSpan.FromSeconds(5));
        var ids = Encoding.UTF8.GetString(body.ToArray()).Split('\n').Where(l => l.StartsWith("id: ", StringComparison.Ordinal)).Select(l => l[4..]);
        Assert.Equal(["1-8", "1-9", "1-10"], ids);
    }
}
