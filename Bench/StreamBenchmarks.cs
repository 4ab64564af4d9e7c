using System.Buffers.Text;
using System.Text.Json.Nodes;
using GrainStream.Persistence;
using GrainStream.Persistence.Sqlite;
using GrainStream.Streams;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace GrainStream.Bench;

/// <summary>Stream events from a publisher grain on silo A to a cluster client subscriber, through
/// GrainStream's provider (in-memory event log; optionally SQLite) and through Orleans' memory streams.</summary>
internal static class StreamBenchmarks
{
    private const string GrainStreamProvider = GrainStreamEventsExtensions.DefaultProviderName;
    private const string MemoryProvider = "memory";

    public static async Task<JsonObject> RunAsync(BenchOptions options)
    {
        var json = new JsonObject { ["benchmark"] = "streams", ["transport"] = BenchCluster.Description };
        // A cluster per provider, so that one's background work (memory streams' pulling agents poll
        // their queues) does not run during another's measurement.
        if (options.Runs("grainStream"))
        {
            await using var cluster = await BenchCluster.StartAsync(
                (silo, _) => silo.AddGrainStreamEvents(GrainStreamProvider),
                client => client.AddGrainStreamEvents(GrainStreamProvider));
            json["grainStream"] = await MeasureAsync("grainStream", cluster, GrainStreamProvider, options,
                new JsonObject { ["provider"] = "GrainStream AddGrainStreamEvents", ["eventLog"] = nameof(MemoryEventLog) });
        }

        if (options.Runs("memoryStreams"))
        {
            await using var cluster = await BenchCluster.StartAsync(
                (silo, _) => silo.AddMemoryStreams(MemoryProvider).AddMemoryGrainStorage("PubSubStore"),
                client => client.AddMemoryStreams(MemoryProvider));
            json["memoryStreams"] = await MeasureAsync("memoryStreams", cluster, MemoryProvider, options, new JsonObject
            {
                ["provider"] = "Orleans AddMemoryStreams (defaults)",
                ["pullPeriodMs"] = StreamPullingAgentOptions.DEFAULT_GET_QUEUE_MESSAGES_TIMER_PERIOD.TotalMilliseconds,
            });
        }

        // The SQLite log only when asked for: it writes (and by default fsyncs) to a temporary directory.
        if (options.Scenarios?.Contains("grainStreamSqlite") == true)
        {
            var directory = Directory.CreateTempSubdirectory("grainstream-bench-");
            try
            {
                var sqlite = new SqliteStorageOptions();
                await using var cluster = await BenchCluster.StartAsync(
                    (silo, name) => silo.AddGrainStreamEvents(GrainStreamProvider)
                        .UseSqlite(o => o.ConnectionString = SqliteConnectionStrings.ForFile(Path.Combine(directory.FullName, $"silo-{name}.db"))),
                    client => client.AddGrainStreamEvents(GrainStreamProvider));
                json["grainStreamSqlite"] = await MeasureAsync("grainStreamSqlite", cluster, GrainStreamProvider, options,
                    new JsonObject { ["provider"] = "GrainStream AddGrainStreamEvents", ["eventLog"] = "SqliteEventLog", ["synchronous"] = sqlite.Synchronous.ToString() });
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }

        json["targets"] = new JsonObject
        {
            ["eventsPerSec"] = 200_000,
            ["pacedRate"] = 10_000,
            ["pacedP50Us"] = 200,
            ["pacedP99Us"] = 2000,
        };
        return json;
    }

    private static Task<JsonObject> MeasureAsync(string name, BenchCluster cluster, string provider, BenchOptions options, JsonObject setup)
    {
        setup["publisher"] = "grain on silo A";
        setup["subscriber"] = "cluster client";
        setup["window"] = options.Window;
        return Harness.MaxAndHalfRateAsync(name, "eventsPerSec", 200_000, run => provider == MemoryProvider
            ? RunOnceAsync<BenchTick>(cluster, provider, run, options.Window, setup, tick => (tick.Sequence, tick.Timestamp))
            : RunOnceAsync<StreamEvent>(cluster, provider, run, options.Window, setup, e => (e.Position.Sequence, PublishedAt(e))), options, setup);
    }

    /// <summary>One run on a fresh stream: place the publisher (and the stream's hub) on silo A,
    /// subscribe from the client, publish until stopped, wait for the subscriber to have everything,
    /// and check that it arrived in order without gaps.</summary>
    private static async Task RunOnceAsync<T>(BenchCluster cluster, string provider, BenchRun run, int window, JsonObject setup, Func<T, (long, long)> read)
    {
        var streamKey = run.Id;
        var streamId = StreamId.Create(StreamPublisherGrain.StreamNamespace, streamKey);
        var publisher = cluster.Client.GetGrain<IStreamPublisherGrain>($"publisher-{run.Id}");
        await BenchCluster.PlaceOnAsync(cluster.SiloA.Address, () => publisher.Prepare(provider, streamKey));

        var observer = new LatencyObserver<T>(run.Latency, read);
        var subscription = await cluster.Client.GetStreamProvider(provider).GetStream<T>(streamId).SubscribeAsync(observer);
        var result = await publisher.Run(run.Id, provider, streamKey, window);
        // Done when everything arrived, or on GrainStream (which numbers what it accepted) when the
        // last event did: events it no longer had for a lagging subscriber are skipped, not late.
        var last = provider == MemoryProvider ? long.MaxValue : result.Published;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (observer.Received < result.Published && observer.HighestSequence < last && DateTime.UtcNow < deadline) await Task.Delay(10);
        await subscription.UnsubscribeAsync();

        setup["publisherSilo"] = cluster.NameOf(await cluster.WhereIsAsync(publisher));
        if (provider != MemoryProvider)
        {
            setup["hubSilo"] = cluster.NameOf(await cluster.WhereIsAsync(cluster.Client.GetGrain<IStreamHubGrain>(StreamHubKey.Format(provider, streamId))));
        }
        setup["publishFailures"] = (setup["publishFailures"]?.GetValue<long>() ?? 0) + result.Failed;
        if (observer.Received != result.Published || observer.OutOfOrder != 0 || result.Failed != 0 || observer.Errors != 0)
        {
            Console.Error.WriteLine($"warning: published {result.Published} (failed {result.Failed}), received {observer.Received}, "
                + $"out of order {observer.OutOfOrder}, stream errors {observer.Errors}{(observer.LastError is { } error ? $" (last: {error})" : "")}");
        }
    }

    // The payload is the publish time as a JSON number.
    private static long PublishedAt(StreamEvent streamEvent)
        => Utf8Parser.TryParse(streamEvent.Payload.Span, out long timestamp, out _) ? timestamp : throw new FormatException("The payload is not a timestamp.");
}
