using System.Diagnostics;

namespace GrainStream.Bench.Fanout;

/// <summary>What the publishers achieved.</summary>
/// <param name="Accepted">Per topic, the sequence numbers the server accepted (answered 2xx); a post
/// that failed may still have been delivered, so loss is counted against these only.</param>
internal sealed record PublishResult(long StartTimestamp, long Published, long Errors, double PerSecond, double P99Ms, HashSet<int>[] Accepted);

/// <summary>Posts the benchmark's messages at the offered rate (open loop, paced), round-robin over the
/// topics, from a fixed number of concurrent publishers: a server that stalls its publishers shows
/// up as a publish rate below the offered one.</summary>
internal static class Publisher
{
    public static async Task<PublishResult> RunAsync(FanoutTarget target, string[] topics, FanoutOptions options)
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.Publishers,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        })
        { Timeout = TimeSpan.FromSeconds(30) };

        // One uncounted message per topic first: whatever a server does on a topic's first message
        // (GrainStream activates the room's grain, nchan creates the channel) is not measured.
        await Task.WhenAll(topics.Select(async topic =>
        {
            using var request = target.Publish(topic, "prime");
            using var response = await http.SendAsync(request);
        }));

        var accepted = topics.Select(_ => new HashSet<int>()).ToArray();
        var errors = 0L;
        var next = -1;
        var latency = new LatencyHistogram();
        using var pacer = new Pacer(options.Rate);
        var start = Stopwatch.GetTimestamp();

        async Task PublishAsync()
        {
            var waiter = new Pacer.Waiter();
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= options.Messages) return;
                await pacer.WaitAsync(waiter);
                var topic = i % topics.Length;
                var posted = Stopwatch.GetTimestamp();
                using var request = target.Publish(topics[topic], BenchMessageText.Format(i / topics.Length, posted));
                try
                {
                    using var response = await http.SendAsync(request);
                    if (response.IsSuccessStatusCode)
                    {
                        lock (accepted[topic]) accepted[topic].Add(i / topics.Length);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref errors);
                }
                latency.RecordSince(posted);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, options.Publishers).Select(_ => Task.Run(PublishAsync)));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var published = accepted.Sum(a => (long)a.Count);
        return new PublishResult(start, published, errors, published / seconds,
            LatencyHistogram.QuantileMicros(latency.Snapshot(), 0.99) / 1000, accepted);
    }
}
