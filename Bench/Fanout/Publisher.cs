using System.Diagnostics;

namespace GrainStream.Bench.Fanout;

/// <summary>What the publishers achieved.</summary>
/// <param name="Accepted">Per topic, the sequence numbers the server accepted (answered 2xx); a post
/// that failed may still have been delivered, so loss is counted against these only.</param>
/// <param name="LastErrorTimestamp">When the last failed post was sent (0 when none failed).</param>
internal sealed record PublishResult(long StartTimestamp, long Published, long Errors, double PerSecond, double P99Ms, HashSet<int>[] Accepted, long LastErrorTimestamp);

/// <summary>Posts the benchmark's messages at the offered rate (open loop, paced), round-robin over the
/// topics (and over the targets, one round of topics each), from a fixed number of concurrent
/// publishers: a server that stalls its publishers shows up as a publish rate below the offered one.</summary>
internal static class Publisher
{
    /// <param name="beforeCounted">Awaited after the priming and warm-up posts, before the counted ones.</param>
    /// <param name="started">Called when the counted posts begin.</param>
    public static async Task<PublishResult> RunAsync(FanoutTarget[] targets, string[] topics, FanoutOptions options, Func<Task>? beforeCounted = null, Action<long>? started = null)
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.Publishers,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        })
        { Timeout = TimeSpan.FromSeconds(30) };

        // One uncounted message per topic first: whatever a server does on a topic's first message
        // (GrainStream activates the room's grain, nchan creates the channel) is not measured.
        await Task.WhenAll(topics.Select(async (topic, k) =>
        {
            using var request = targets[k % targets.Length].Publish(topic, "prime");
            using var response = await http.SendAsync(request);
        }));

        // Warm-up posts (text without the benchmark marker, so subscribers ignore them) at the same
        // rate and from the same publishers; failures do not matter here.
        await PostPacedAsync(options, (int)Math.Round(options.WarmupSeconds * options.Rate), async i =>
        {
            using var request = targets[i / topics.Length % targets.Length].Publish(topics[i % topics.Length], "warmup");
            try
            {
                using var response = await http.SendAsync(request);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
        });

        var accepted = topics.Select(_ => new HashSet<int>()).ToArray();
        var errors = 0L;
        var lastError = 0L;
        var latency = new LatencyHistogram();
        if (beforeCounted is not null) await beforeCounted();
        var start = Stopwatch.GetTimestamp();
        started?.Invoke(start);

        async Task PublishAsync(int i)
        {
            var topic = i % topics.Length;
            var posted = Stopwatch.GetTimestamp();
            var target = targets[i / topics.Length % targets.Length];
            using var request = target.Publish(topics[topic], BenchMessageText.Format(i / topics.Length, posted));
            var failed = false;
            try
            {
                using var response = await http.SendAsync(request);
                if (response.IsSuccessStatusCode)
                {
                    lock (accepted[topic]) accepted[topic].Add(i / topics.Length);
                }
                else
                {
                    failed = true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                failed = true;
            }
            if (failed)
            {
                Interlocked.Increment(ref errors);
                long seen;
                while ((seen = Interlocked.Read(ref lastError)) < posted && Interlocked.CompareExchange(ref lastError, posted, seen) != seen) { }
            }
            latency.RecordSince(posted);
        }

        await PostPacedAsync(options, options.Messages, PublishAsync);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var published = accepted.Sum(a => (long)a.Count);
        return new PublishResult(start, published, errors, published / seconds,
            LatencyHistogram.QuantileMicros(latency.Snapshot(), 0.99) / 1000, accepted, Interlocked.Read(ref lastError));
    }

    /// <summary>Runs <paramref name="post"/> for 0 to <paramref name="count"/> - 1 at the offered rate,
    /// from <see cref="FanoutOptions.Publishers"/> concurrent publishers.</summary>
    private static async Task PostPacedAsync(FanoutOptions options, int count, Func<int, Task> post)
    {
        if (count <= 0) return;
        var next = -1;
        using var pacer = new Pacer(options.Rate);
        await Task.WhenAll(Enumerable.Range(0, options.Publishers).Select(_ => Task.Run(async () =>
        {
            var waiter = new Pacer.Waiter();
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= count) return;
                await pacer.WaitAsync(waiter);
                await post(i);
            }
        })));
    }
}
