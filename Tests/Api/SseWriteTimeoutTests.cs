using GrainStream.Api.Sse;
using GrainStream.Tests.Support;
using Microsoft.AspNetCore.Http.Features;

namespace GrainStream.Tests.Api;

/// <summary>Direct socket sends bypass Kestrel's minimum data rate; <see cref="SseOptions.WriteTimeout"/> stands in for it.</summary>
public sealed class SseWriteTimeoutTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_client_that_stops_reading_is_closed_after_the_write_timeout()
    {
        var (server, client) = await DirectSockets.ConnectAsync(smallBuffers: true);
        using var serverSide = server;
        using var clientSide = client;
        var clock = new ManualClock();
        var lifetime = new RecordingLifetime();
        var connection = DirectSockets.Stream(server, new SseOptions { WriteTimeout = TimeSpan.FromSeconds(30) }, clock, lifetime);
        var run = connection.RunAsync();

        // Far more than the socket buffers hold: the loop waits for a client that never reads.
        connection.Offer(TestFrames.Message(1, "\"" + new string('x', 4 << 20) + "\""));
        // Time moves past the timeout until the loop, once it waits on the socket, gives up.
        await Eventually.TrueAsync(() =>
        {
            clock.Advance(TimeSpan.FromSeconds(31));
            return run.IsCompleted;
        }, "the stalled connection to be closed after its write timeout", Bound);

        await run;
        Assert.True(lifetime.Aborted, "The connection was not closed.");
    }

    [Fact]
    public async Task A_client_that_keeps_reading_slowly_is_not_closed()
    {
        var (server, client) = await DirectSockets.ConnectAsync(smallBuffers: true);
        using var serverSide = server;
        using var clientSide = client;
        var clock = new ManualClock();
        var lifetime = new RecordingLifetime();
        var connection = DirectSockets.Stream(server, new SseOptions { WriteTimeout = TimeSpan.FromSeconds(30) }, clock, lifetime);
        var run = connection.RunAsync();
        var frame = TestFrames.Message(1, "\"" + new string('y', 256 << 10) + "\"");

        connection.Offer(frame);
        var received = await DirectSockets.ReceiveAsync(client, frame.Chunk.Length);

        Assert.Equal(frame.Chunk.ToArray(), received);
        Assert.False(lifetime.Aborted);
        Assert.False(run.IsCompleted);
        connection.Stop();
        await run.WaitAsync(Bound);
    }

    private sealed class RecordingLifetime : IHttpRequestLifetimeFeature
    {
        public CancellationToken RequestAborted { get; set; }

        public bool Aborted { get; private set; }

        public void Abort() => Aborted = true;
    }
}
