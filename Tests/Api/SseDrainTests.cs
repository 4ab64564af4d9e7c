using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using GrainStream.Api.Sse;
using GrainStream.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace GrainStream.Tests.Api;

/// <summary>A node that shuts down spreads its clients' reconnects and turns new streams away.</summary>
public sealed partial class SseDrainTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task At_shutdown_each_stream_ends_with_its_own_retry_within_the_reconnect_spread()
    {
        var options = Options.Create(new SseOptions { RetryMilliseconds = 3000, DrainReconnectSpread = TimeSpan.FromSeconds(10) });
        var lifetime = new StoppableLifetime();
        using var tracker = new SseConnectionTracker(options, new ManualClock(), lifetime, TestMetrics.Create());
        var pairs = new List<(System.Net.Sockets.Socket Server, System.Net.Sockets.Socket Client)>();
        var runs = new List<Task>();
        try
        {
            for (var i = 0; i < 12; i++)
            {
                var pair = await DirectSockets.ConnectAsync();
                pairs.Add(pair);
                var connection = DirectSockets.Stream(pair.Server, options.Value);
                Assert.True(tracker.Add(connection));
                runs.Add(connection.RunAsync());
            }

            lifetime.StopApplication();

            await Task.WhenAll(runs).WaitAsync(Bound);
            var retries = new List<int>();
            foreach (var (_, client) in pairs) retries.Add(await ReadRetryAsync(client));
            Assert.All(retries, r => Assert.InRange(r, 3000, 13000));
            Assert.True(retries.Distinct().Count() > 1, $"Every stream got the same retry ({retries[0]} ms): the reconnects are not spread.");
            Assert.True(tracker.IsDraining);
            Assert.False(tracker.Add(DirectSockets.Stream(pairs[0].Server, options.Value)));
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
    public async Task A_stream_asked_for_while_the_node_drains_gets_503_with_Retry_After()
    {
        await using var host = await ApiHost.StartAsync();
        host.Services.GetRequiredService<SseConnectionTracker>().Drain();

        using var response = await SseClient.SendAsync(host.Client, "/api/stocks/ACME/events");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
    }

    // The retry field the stream ended with (the body is chunked on the wire; the field is inside one chunk).
    private static async Task<int> ReadRetryAsync(System.Net.Sockets.Socket client)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Bound);
        while (RetryField().Match(received.ToString()) is not { Success: true } match)
        {
            var read = await client.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, timeout.Token);
            if (read == 0) throw new InvalidOperationException($"The stream closed without a retry field: {received}");
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return int.Parse(RetryField().Match(received.ToString()).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"retry: (\d+)\n\n")]
    private static partial Regex RetryField();

    private sealed class StoppableLifetime : IHostApplicationLifetime
    {
        private readonly CancellationTokenSource _stopping = new();

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => _stopping.Cancel();
    }
}
