using GrainStream.Grains;
using System.Text;
using GrainStream.Api.Sse;
using GrainStream.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace GrainStream.Tests.Api;

/// <summary>The shared heartbeat timer, on a manual clock, with connections that write into memory.</summary>
public sealed class SseHeartbeatTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(16);

    private sealed class RunningApplication : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() { }
    }

    private sealed record OpenStream(SseConnection Connection, MemoryStream Body, Task Draining)
    {
        public int Heartbeats => Encoding.UTF8.GetString(Body.ToArray()).Split(": hb\n\n").Length - 1;
    }

    private static OpenStream Open(SseOptions options)
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        var connection = new SseConnection(context, options, latestWins: false);
        return new OpenStream(connection, body, connection.RunAsync());
    }

    [Fact]
    public async Task Every_stream_gets_one_heartbeat_per_interval_and_the_streams_take_turns_within_it()
    {
        var options = new SseOptions { HeartbeatInterval = Interval };
        var clock = new ManualClock();
        using var tracker = new SseConnectionTracker(Options.Create(options), clock, new RunningApplication(), TestMetrics.Create());
        var streams = Enumerable.Range(0, 2 * SseConnectionTracker.Slots).Select(_ => Open(options)).ToArray();
        foreach (var stream in streams) Assert.True(tracker.Add(stream.Connection));

        // A sixteenth of the interval: one group of two has had its heartbeat, nobody else yet.
        clock.Advance(Interval / SseConnectionTracker.Slots);
        Assert.Equal(2, streams.Sum(s => s.Heartbeats));

        // The rest of the interval: every stream once.
        clock.Advance(Interval - Interval / SseConnectionTracker.Slots);
        Assert.All(streams, s => Assert.Equal(1, s.Heartbeats));

        // A second interval: every stream twice; a stream that left gets none.
        tracker.Remove(streams[0].Connection);
        clock.Advance(Interval);
        Assert.Equal(1, streams[0].Heartbeats);
        Assert.All(streams.Skip(1), s => Assert.Equal(2, s.Heartbeats));
        Assert.Equal(streams.Length - 1, tracker.Count);

        foreach (var stream in streams) stream.Connection.Stop();
        await Task.WhenAll(streams.Select(s => s.Draining)).WaitAsync(TimeSpan.FromSeconds(10));
    }
}
