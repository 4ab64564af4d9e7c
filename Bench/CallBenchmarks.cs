using System.Text.Json.Nodes;

namespace GrainStream.Bench;

/// <summary>Grain call throughput and latency: inside one silo, silo to silo, client to silo.</summary>
internal static class CallBenchmarks
{
    public static async Task<JsonObject> RunAsync(BenchOptions options)
    {
        await using var cluster = await Harness.StartClusterAsync(silos: 2);
        var siloA = cluster.Silos[0];
        var siloB = cluster.Silos[1];
        var json = new JsonObject { ["benchmark"] = "calls" };

        if (options.Runs("inSilo"))
        {
            // Code in silo A's process calls grains that live on A, through A's grain factory.
            var workers = options.Workers ?? 512;
            var keys = Harness.Keys<IEchoGrain>(cluster, siloA.Silo.Address, "in", options.Targets);
            var targets = keys.Select(k => siloA.GrainFactory.GetGrain<IEchoGrain>(k)).ToArray();
            await Task.WhenAll(targets.Select(t => t.Echo(0)));
            var onA = await Harness.CountRegisteredOnAsync<IEchoGrain>(cluster, siloA.Silo.Address, keys);
            json["inSilo"] = await Harness.MaxAndHalfRateAsync("inSilo", "callsPerSec", 500_000, run => StartLoops(run, targets, workers), options,
                new JsonObject { ["caller"] = "silo A grain factory", ["workers"] = workers, ["targets"] = targets.Length, ["targetsOnA"] = onA });
        }

        if (options.Runs("siloToSilo"))
        {
            // Driver grains on silo A call grains on silo B over TCP.
            var workers = options.Workers ?? 512;
            var drivers = Harness.Keys<ICallDriverGrain>(cluster, siloA.Silo.Address, "driver", options.Drivers);
            var keys = Harness.Keys<IEchoGrain>(cluster, siloB.Silo.Address, "remote", options.Targets);
            var factory = siloA.GrainFactory;
            Task StartDrivers(BenchRun run) => Task.WhenAll(drivers.Select(d => factory.GetGrain<ICallDriverGrain>(d).Run(run.Id, keys, workers / drivers.Length)));
            var setup = new JsonObject { ["caller"] = "driver grains on silo A", ["drivers"] = drivers.Length, ["workers"] = workers, ["targets"] = keys.Length };
            json["siloToSilo"] = await Harness.MaxAndHalfRateAsync("siloToSilo", "callsPerSec", 100_000, StartDrivers, options, setup);
            setup["targetsOnB"] = await Harness.CountRegisteredOnAsync<IEchoGrain>(cluster, siloB.Silo.Address, keys);
            setup["driversOnA"] = await Harness.CountRegisteredOnAsync<ICallDriverGrain>(cluster, siloA.Silo.Address, drivers);
        }

        if (options.Runs("clientToSilo"))
        {
            // A cluster client calls grains on both silos over TCP.
            var workers = options.Workers ?? 512;
            var keys = Harness.Keys<IEchoGrain>(cluster, silo: null, "client", options.Targets);
            var targets = keys.Select(k => cluster.Client.GetGrain<IEchoGrain>(k)).ToArray();
            await Task.WhenAll(targets.Select(t => t.Echo(0)));
            json["clientToSilo"] = await Harness.MaxAndHalfRateAsync("clientToSilo", "callsPerSec", 100_000, run => StartLoops(run, targets, workers), options,
                new JsonObject { ["caller"] = "cluster client", ["workers"] = workers, ["targets"] = targets.Length });
        }

        json["targets"] = new JsonObject { ["inSiloCallsPerSec"] = 500_000, ["remoteCallsPerSec"] = 100_000, ["halfRateP99Us"] = 2000 };
        return json;
    }

    private static Task StartLoops(BenchRun run, IEchoGrain[] targets, int workers)
        => Task.WhenAll(Enumerable.Range(0, workers).Select(i => Task.Run(() => CallDriverGrain.CallLoopAsync(run, targets, i))));
}
