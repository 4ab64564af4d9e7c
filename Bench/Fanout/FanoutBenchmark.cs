using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace GrainStream.Bench.Fanout;

/// <summary>Fan-out over SSE against a running server (GrainStream's Api or nginx + nchan): N
/// subscribers over K topics, M messages posted at R/s, and what arrived — delivered, lost,
/// duplicated, post-to-receipt latency — with the server's CPU time and memory.</summary>
internal static class FanoutBenchmark
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(180);

    public static async Task<JsonObject> RunAsync(FanoutOptions options)
    {
        var targets = options.Urls.Select(url => FanoutTarget.Create(options.Target, url)).ToArray();
        var target = targets[0];
        var server = options.ServerPid is { } pid ? new ServerProcess(pid) : null;
        var topics = Enumerable.Range(0, options.Topics).Select(k => $"fanout-{options.RunId}-{k}").ToArray();
        var messagesInTopic = (options.Messages + options.Topics - 1) / options.Topics;
        var latency = new LatencyHistogram();
        var lateTicks = (long)(options.LateMilliseconds / 1000 * Stopwatch.Frequency);
        var slow = new SlowDeliveryTimeline();
        // Each topic's subscribers are dealt over the targets: with several API nodes, every room has
        // subscribers on each node.
        var subscribers = Enumerable.Range(0, options.Subscribers)
            .Select(i => new SseSubscriber(targets[i / topics.Length % targets.Length], topics, i % topics.Length, Math.Max(1, messagesInTopic), latency, lateTicks, slow))
            .ToArray();

        var result = new JsonObject
        {
            ["benchmark"] = "fanout",
            ["scenario"] = options.Label,
            ["target"] = target.Name,
            ["subscribers"] = options.Subscribers,
            ["topics"] = options.Topics,
            ["nodes"] = targets.Length,
            ["offeredRate"] = options.Rate,
            ["messages"] = options.Messages,
        };

        var residentBefore = server?.ResidentKiB() ?? 0;
        var timeline = new ConnectTimeline();
        var loops = targets.ToDictionary(t => t, t => new SubscriberLoops(
            new IPEndPoint(IPAddress.Parse(t.BaseUrl.Host), t.BaseUrl.Port), TimeSpan.FromMilliseconds(options.ReconnectMilliseconds),
            Math.Max(1, options.ConnectConcurrency / targets.Length), options.HonourRetry, timeline));
        using var closeAll = new LoopsDisposer(loops.Values);
        foreach (var subscriber in subscribers) loops[subscriber.Target].Add(subscriber);
        await Task.WhenAny(Task.WhenAll(subscribers.Select(s => s.Connected)), Task.Delay(ConnectTimeout));
        var connected = subscribers.Count(s => s.Connected.IsCompletedSuccessfully);
        result["connected"] = connected;
        Console.Error.WriteLine($"{target.Name}: {connected}/{subscribers.Length} subscribers connected");
        if (connected < subscribers.Length)
        {
            throw new InvalidOperationException($"Only {connected} of {subscribers.Length} subscribers connected within {ConnectTimeout.TotalSeconds:N0} s.");
        }

        if (options.Messages == 0)
        {
            // Idle: what each open connection costs the server once things settle.
            await Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds));
            if (server is not null)
            {
                var residentAfter = server.ResidentKiB();
                result["server"] = new JsonObject
                {
                    ["pid"] = server.Pid,
                    ["rssBeforeMB"] = Math.Round(residentBefore / 1024.0, 1),
                    ["rssAfterMB"] = Math.Round(residentAfter / 1024.0, 1),
                    ["rssPerConnectionKB"] = Math.Round((residentAfter - residentBefore) * 1024.0 / 1000 / subscribers.Length, 2),
                };
            }
            result["disconnects"] = subscribers.Sum(s => s.Disconnects);
            return result;
        }

        var serverCpuBefore = 0.0;
        var clientCpuBefore = TimeSpan.Zero;
        var clientCollectorBefore = CollectorCounters.OfThisProcess();
        var fault = options.FaultPid is { } faultPid ? new Fault(faultPid, options.FaultSignal, TimeSpan.FromSeconds(options.FaultAfterSeconds)) : null;
        // Measured from the first counted post (after any warm-up). A GrainStream node's collector
        // counters (its /metrics) are read just before; nchan has no collector.
        CollectorCounters? collectorBefore = null;
        Func<Task>? readCollector = target.Name == "grainstream" ? async () => collectorBefore = await CollectorCounters.ReadAsync(options.Urls) : null;
        var publishing = await Publisher.RunAsync(targets, topics, options, readCollector, started =>
        {
            serverCpuBefore = server?.CpuSeconds() ?? 0;
            clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            clientCollectorBefore = CollectorCounters.OfThisProcess();
            slow.Start(started);
            fault?.Arm(started);
        });
        if (fault is not null) await fault.Injected;
        Console.Error.WriteLine($"{target.Name}: published {publishing.Published} ({publishing.Errors} errors) at {publishing.PerSecond:N0}/s");

        // Wait until every subscriber holds every published message of its topic, or nothing more arrives.
        var expected = subscribers.Sum(s => (long)publishing.Accepted[s.TopicIndex].Count);
        var delivered = 0L;
        var lastProgress = Stopwatch.GetTimestamp();
        var lastDelivery = lastProgress;
        while (true)
        {
            var now = subscribers.Sum(s => s.Unique);
            if (now != delivered)
            {
                delivered = now;
                lastProgress = lastDelivery = Stopwatch.GetTimestamp();
            }
            if (delivered >= expected || Stopwatch.GetElapsedTime(lastProgress).TotalSeconds > options.DrainSeconds) break;
            await Task.Delay(20);
        }
        var serverCpu = (server?.CpuSeconds() ?? 0) - serverCpuBefore;
        var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore).TotalSeconds;
        var clientCollector = CollectorCounters.OfThisProcess().Since(clientCollectorBefore);
        var collectorAfter = collectorBefore is null ? null : await CollectorCounters.ReadAsync(options.Urls);
        closeAll.Dispose();

        var seconds = Stopwatch.GetElapsedTime(publishing.StartTimestamp, lastDelivery).TotalSeconds;
        var buckets = latency.Snapshot();
        var maxTicks = subscribers.Max(s => s.MaxLatencyTicks);
        result["published"] = publishing.Published;
        result["publishErrors"] = publishing.Errors;
        result["publishRate"] = Math.Round(publishing.PerSecond, 1);
        result["publishP99Ms"] = Math.Round(publishing.P99Ms, 2);
        result["expected"] = expected;
        result["delivered"] = delivered;
        // Against what the server accepted: a post that timed out but was stored anyway is delivered, not lost.
        result["lost"] = subscribers.Sum(s => s.Missing(publishing.Accepted[s.TopicIndex]));
        result["duplicated"] = subscribers.Sum(s => s.Duplicates);
        result["deliveriesPerSecond"] = Math.Round(delivered / Math.Max(seconds, 1e-9), 0);
        result["latencyMs"] = new JsonObject
        {
            ["p50"] = Milliseconds(LatencyHistogram.QuantileMicros(buckets, 0.50)),
            ["p99"] = Milliseconds(LatencyHistogram.QuantileMicros(buckets, 0.99)),
            ["max"] = Math.Round(maxTicks * 1000.0 / Stopwatch.Frequency, 2),
        };
        result["slowDeliveries"] = slow.Describe();
        result["disconnects"] = subscribers.Sum(s => s.Disconnects);
        result["resumes"] = subscribers.Sum(s => s.Resumes);
        result["resets"] = subscribers.Sum(s => s.Resets);
        // Reconnections after the first connects: how hard the clients came back (after a fault).
        result["reconnections"] = timeline.Describe(publishing.StartTimestamp);
        if (server is not null)
        {
            result["server"] = new JsonObject
            {
                ["pid"] = server.Pid,
                ["cpuSeconds"] = Math.Round(serverCpu, 2),
                ["cpuUsPerDelivery"] = delivered == 0 ? null : Math.Round(serverCpu * 1e6 / delivered, 3),
                ["peakRssMB"] = Math.Round(server.PeakResidentKiB() / 1024.0, 1),
                ["rssPerConnectionKB"] = Math.Round((server.ResidentKiB() - residentBefore) * 1024.0 / 1000 / subscribers.Length, 2),
            };
        }
        // Collections and pause time from the first counted post until everything was delivered.
        if (collectorBefore is not null && collectorAfter is not null) result["collector"] = collectorAfter.Since(collectorBefore);
        result["client"] = new JsonObject { ["cpuSeconds"] = Math.Round(clientCpu, 2), ["collector"] = clientCollector };
        if (fault is not null) result["fault"] = fault.Describe(publishing.LastErrorTimestamp, subscribers.Max(s => s.LastLateReceiptTimestamp), options.LateMilliseconds);
        return result;
    }

    private static JsonNode? Milliseconds(double micros) => double.IsFinite(micros) ? Math.Round(micros / 1000, 2) : null;
}
