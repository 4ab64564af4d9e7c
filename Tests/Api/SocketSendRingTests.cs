using System.Net.Sockets;
using GrainStream.Api.Sse;

namespace GrainStream.Tests.Api;

/// <summary>Batched sends through io_uring (Linux; the ring is this thread's, so no test awaits
/// between queuing and submitting).</summary>
public sealed class SocketSendRingTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_batch_sends_each_buffer_to_its_own_socket()
    {
        if (!OperatingSystem.IsLinux()) return;
        var pairs = new List<(Socket Server, Socket Client)>();
        try
        {
            for (var i = 0; i < 5; i++) pairs.Add(await DirectSockets.ConnectAsync());
            var buffers = pairs.Select((_, i) => Enumerable.Repeat((byte)('a' + i), 100 + i).ToArray()).ToArray();
            var sent = new int[SocketSendRing.Capacity];

            var ring = SocketSendRing.ForCurrentThread();
            Assert.NotNull(ring); // this machine's kernel has io_uring; elsewhere the fan-out falls back
            for (var i = 0; i < pairs.Count; i++) Assert.True(ring.TryAdd(pairs[i].Server, buffers[i]));
            Assert.Equal(pairs.Count, ring.Count);
            ring.Submit(sent);

            Assert.Equal(0, ring.Count);
            Assert.Equal(buffers.Select(b => b.Length), sent.Take(pairs.Count));
            for (var i = 0; i < pairs.Count; i++) Assert.Equal(buffers[i], await DirectSockets.ReceiveAsync(pairs[i].Client, buffers[i].Length));
        }
        finally
        {
            foreach (var (server, client) in pairs)
            {
                server.Dispose();
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_socket_whose_buffer_is_full_reports_what_it_took_and_then_zero()
    {
        if (!OperatingSystem.IsLinux()) return;
        var (server, client) = await DirectSockets.ConnectAsync(smallBuffers: true);
        using (server)
        using (client)
        {
            var big = new byte[8 << 20];
            var sent = new int[SocketSendRing.Capacity];
            var ring = SocketSendRing.ForCurrentThread()!;

            Assert.True(ring.TryAdd(server, big));
            ring.Submit(sent);
            Assert.InRange(sent[0], 1, big.Length - 1);

            // The peer's receive queue takes a little more as loopback moves the bytes over; then nothing.
            for (var attempt = 0; attempt < 1000 && sent[0] > 0; attempt++)
            {
                Assert.True(ring.TryAdd(server, big));
                ring.Submit(sent);
                Assert.InRange(sent[0], 0, big.Length - 1);
            }
            Assert.Equal(0, sent[0]);
        }
    }

    [Fact]
    public async Task A_closed_socket_is_refused_and_a_reset_one_reports_an_error()
    {
        if (!OperatingSystem.IsLinux()) return;
        var (closed, closedPeer) = await DirectSockets.ConnectAsync();
        closed.Dispose();
        closedPeer.Dispose();
        var (server, client) = await DirectSockets.ConnectAsync();
        using (server)
        {
            client.LingerState = new LingerOption(true, 0);
            client.Dispose(); // a reset
            var ring = SocketSendRing.ForCurrentThread()!;
            var sent = new int[SocketSendRing.Capacity];

            Assert.False(ring.TryAdd(closed, new byte[10]));
            Assert.Equal(0, ring.Count);

            // The reset arrives asynchronously; once it has, every send fails.
            var deadline = DateTime.UtcNow + Bound;
            do
            {
                Assert.True(ring.TryAdd(server, new byte[10]));
                ring.Submit(sent);
            }
            while (sent[0] >= 0 && DateTime.UtcNow < deadline);
            Assert.True(sent[0] < 0, $"A send to a reset connection kept succeeding ({sent[0]}).");
        }
    }

    [Fact]
    public async Task A_ring_the_kernel_refused_part_of_a_batch_takes_no_more_sends_and_never_sends_the_refused_ones()
    {
        if (!OperatingSystem.IsLinux()) return;
        var pairs = new List<(Socket Server, Socket Client)>();
        try
        {
            for (var i = 0; i < 4; i++) pairs.Add(await DirectSockets.ConnectAsync());
            var refusedRound = pairs.Select((_, i) => Enumerable.Repeat((byte)('A' + i), 50).ToArray()).ToArray();
            var nextRound = pairs.Select((_, i) => Enumerable.Repeat((byte)('a' + i), 70).ToArray()).ToArray();
            var sent = new int[SocketSendRing.Capacity];

            var (first, second) = SubmitWithRefusal(pairs, refusedRound, nextRound, sent);

            Assert.True(first.IsGivenUp);
            Assert.NotSame(first, second);
            Assert.Throws<ObjectDisposedException>(() => first.TryAdd(pairs[0].Server, nextRound[0]));
            // The first two entries went out in the refused batch, the other two only in the next one.
            for (var i = 0; i < pairs.Count; i++)
            {
                var expected = i < 2 ? [.. refusedRound[i], .. nextRound[i]] : nextRound[i];
                Assert.Equal(expected, await DirectSockets.ReceiveAsync(pairs[i].Client, expected.Length));
            }
            Assert.All(pairs, p => Assert.Equal(0, p.Client.Available));
        }
        finally
        {
            foreach (var (server, client) in pairs)
            {
                server.Dispose();
                client.Dispose();
            }
        }
    }

    // Synchronous, so that the ring, the injected refusal and the submissions all stay on this thread.
    private static (SocketSendRing First, SocketSendRing Second) SubmitWithRefusal(List<(Socket Server, Socket Client)> pairs, byte[][] refusedRound, byte[][] nextRound, int[] sent)
    {
        var first = SocketSendRing.ForCurrentThread()!;
        for (var i = 0; i < pairs.Count; i++) Assert.True(first.TryAdd(pairs[i].Server, refusedRound[i]));
        SocketSendRing.SubmitLimitForTesting = 2;
        try
        {
            first.Submit(sent);
        }
        finally
        {
            SocketSendRing.SubmitLimitForTesting = null;
        }
        Assert.Equal([refusedRound[0].Length, refusedRound[1].Length, 0, 0], sent.Take(4));

        var second = SocketSendRing.ForCurrentThread()!;
        for (var i = 0; i < pairs.Count; i++) Assert.True(second.TryAdd(pairs[i].Server, nextRound[i]));
        second.Submit(sent);
        Assert.Equal(nextRound.Select(b => b.Length), sent.Take(4));
        return (first, second);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_fan_out_to_a_socket_that_takes_part_of_a_frame_finishes_it_in_order(bool batchSends)
    {
        if (!OperatingSystem.IsLinux()) return;
        var (server, client) = await DirectSockets.ConnectAsync(smallBuffers: true);
        using (server)
        using (client)
        {
            var connection = DirectSockets.Stream(server);
            var run = connection.RunAsync();

            var frames = new[] { TestFrames.Message(1, "{\"n\":\"" + new string('n', 2 << 20) + "\"}"), TestFrames.Message(2) };
            var batch = new SseWakeBatch(batchSends);
            batch.Offer(connection, frames[0]); // claimed; the socket takes only part of it
            batch.Dispatch();
            batch.Offer(connection, frames[1]); // queued behind the rest, which the loop sends
            batch.Dispatch();

            var expected = frames.SelectMany(f => f.Chunk.ToArray()).ToArray();
            Assert.Equal(expected, await DirectSockets.ReceiveAsync(client, expected.Length));
            connection.Stop();
            await run.WaitAsync(Bound);
        }
    }
}
