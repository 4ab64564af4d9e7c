using System.Net;
using System.Net.Sockets;
using GrainStream.Api.Sse;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace GrainStream.Tests.Api;

/// <summary>A fan-out to a connection on a direct socket whose loop is waiting: the frame goes
/// straight to the socket without being queued, in order with what is offered meanwhile.</summary>
public sealed class SseClaimedSendTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_claimed_frame_goes_out_before_what_is_offered_meanwhile_and_the_loop_can_be_claimed_again(bool batchSends)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await server.ConnectAsync(listener.LocalEndPoint!);
        using var client = await listener.AcceptAsync();

        var context = new DefaultHttpContext();
        context.Request.Protocol = "HTTP/1.1";
        context.Response.Headers.TransferEncoding = "chunked";
        context.Features.Set<IConnectionSocketFeature>(new SocketFeature(server));
        var connection = new SseConnection(context, new SseOptions(), latestWins: false);
        connection.WriteToSocketFromNowOn();
        var run = connection.RunAsync();

        var frames = Enumerable.Range(1, 4).Select(i => TestFrames.Message(i)).ToArray();
        Assert.True(connection.TryClaim(frames[0]));
        Assert.False(connection.TryClaim(frames[1])); // the turn is taken
        connection.SendClaimed(frames[0]);

        var batch = new SseWakeBatch(batchSends);
        batch.Offer(connection, frames[1]); // claimed again: the send handed the turn back
        batch.Offer(connection, frames[2]); // the turn is taken: queued behind it
        batch.Dispatch();
        batch.Offer(connection, frames[3]); // claimable only if the dispatch handed the turn back
        batch.Dispatch();

        var expected = frames.SelectMany(f => f.Chunk.ToArray()).ToArray();
        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Bound);
        while (received.Length < expected.Length)
        {
            var read = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            Assert.True(read > 0, "The connection closed before every frame arrived.");
            received.Write(buffer, 0, read);
        }
        Assert.Equal(expected, received.ToArray());

        connection.Stop();
        await run.WaitAsync(Bound);
    }

    private sealed class SocketFeature(Socket socket) : IConnectionSocketFeature
    {
        public Socket Socket { get; } = socket;
    }
}
