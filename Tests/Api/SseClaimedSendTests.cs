using GrainStream.Api.Sse;

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
        var (server, client) = await DirectSockets.ConnectAsync();
        using var serverSide = server;
        using var clientSide = client;
        var connection = DirectSockets.Stream(server);
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
        Assert.Equal(expected, await DirectSockets.ReceiveAsync(client, expected.Length));

        connection.Stop();
        await run.WaitAsync(Bound);
    }
}
