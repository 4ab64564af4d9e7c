using System.Text.Json.Nodes;

namespace GrainStream.Bench;

/// <summary>Grain call throughput and latency on Orleans: a grain calling a grain on its own silo, a
/// grain on silo A calling a grain on silo B, and the cluster client calling grains.</summary>
internal static class CallBenchmarks
{
    /// <summary>The old home-made runtime's maxima on this benchmark, reported beside Orleans'.</summary>
    private static readonly (string Scenario, double CallsPerSec)[] OldRuntime =
        [("inSilo", 1_550_000), ("siloToSilo", 640_000), ("clientToSilo", 1_140_000)];

    public static async Task<JsonObject> RunAsync(BenchOptions options)
    {
        await using var cluster = await BenchCluster.StartAsync();
        var siloA = cluster.SiloA;
        var siloB = cluster.SiloB;
        var workers = options.Workers ?? 512;
        var json = new JsonObject { ["benchmark"] = "calls", ["transport"] = BenchCluster.Description };

        if (options.Runs("inSilo"))
        {
            // Driver grains on A call targets on A: local calls through A's message center.
            var drivers = await PlaceDriversAsync(cluster, siloA, "in-driver", options.Drivers);
            var targets = await PlaceTargetsAsync(cluster, siloA, "in", options.Targets);
            var setup = Setup("driver grains on silo A", drivers.Length, workers, targets.Length);
            json["inSilo"] = await Harness.MaxAndHalfRateAsync("inSilo", "callsPerSec", 500_000, run => RunDrivers(run, drivers, targets, workers), options, setup);
            setup["targetsOnA"] = await cluster.CountOnAsync(siloA, targets);
            setup["driversOnA"] = await cluster.CountOnAsync(siloA, drivers);
        }

        if (options.Runs("siloToSilo"))
        {
            // Driver grains on A call targets pinned to B: every call crosses the silo-to-silo connection.
            var drivers = await PlaceDriversAsync(cluster, siloA, "remote-driver", options.Drivers);
            var targets = await PlaceTargetsAsync(cluster, siloB, "remote", options.Targets);
            var setup = Setup("driver grains on silo A", drivers.Length, workers, targets.Length);
            json["siloToSilo"] = await Harness.MaxAndHalfRateAsync("siloToSilo", "callsPerSec", 100_000, run => RunDrivers(run, drivers, targets, workers), options, setup);
            setup["targetsOnB"] = await cluster.CountOnAsync(siloB, targets);
            setup["driversOnA"] = await cluster.CountOnAsync(siloA, drivers);
        }

        if (options.Runs("clientToSilo"))
        {
            // The client's loops call targets spread evenly over both silos, through their gateways.
            var half = options.Targets / 2;
            var onA = await PlaceTargetsAsync(cluster, siloA, "client-a", options.Targets - half);
            var onB = await PlaceTargetsAsync(cluster, siloB, "client-b", half);
            IEchoGrain[] targets = [.. onA, .. onB];
            var setup = Setup("cluster client", drivers: 0, workers, targets.Length);
            json["clientToSilo"] = await Harness.MaxAndHalfRateAsync("clientToSilo", "callsPerSec", 100_000,
                run => Task.WhenAll(Enumerable.Range(0, workers).Select(i => Task.Run(() => CallDriverGrain.CallLoopAsync(run, targets, i)))), options, setup);
            setup["targetsOnA"] = await cluster.CountOnAsync(siloA, targets);
            setup["targetsOnB"] = await cluster.CountOnAsync(siloB, targets);
        }

        var old = new JsonObject();
        foreach (var (scenario, callsPerSec) in OldRuntime)
        {
            old[scenario + "CallsPerSec"] = callsPerSec;
            if (json[scenario]?["callsPerSec"] is JsonValue measured)
            {
                Console.WriteLine($"{scenario,-13}Orleans {measured.GetValue<double>(),12:N0} calls/s   old runtime {callsPerSec,12:N0} calls/s");
            }
        }
        json["oldRuntime"] = old;
        json["targets"] = new JsonObject { ["inSiloCallsPerSec"] = 500_000, ["remoteCallsPerSec"] = 100_000, ["halfRateP99Us"] = 2000 };
        return json;
    }

    private static JsonObject Setup(string caller, int drivers, int workers, int targets)
        => new() { ["caller"] = caller, ["drivers"] = drivers, ["workers"] = workers, ["targets"] = targets };

    /// <summary>Activates <paramref name="count"/> drivers on <paramref name="silo"/>.</summary>
    private static async Task<ICallDriverGrain[]> PlaceDriversAsync(BenchCluster cluster, BenchCluster.Silo silo, string prefix, int count)
    {
        var drivers = Enumerable.Range(0, count).Select(i => cluster.Client.GetGrain<ICallDriverGrain>($"{prefix}-{i}")).ToArray();
        await BenchCluster.PlaceOnAsync(silo.Address, () => Task.WhenAll(drivers.Select(d => d.Ping())));
        return drivers;
    }

    /// <summary>Activates <paramref name="count"/> targets on <paramref name="silo"/>; returns the client's references.</summary>
    private static async Task<IEchoGrain[]> PlaceTargetsAsync(BenchCluster cluster, BenchCluster.Silo silo, string prefix, int count)
    {
        var targets = Enumerable.Range(0, count).Select(i => cluster.Client.GetGrain<IEchoGrain>($"{prefix}-{i}")).ToArray();
        await BenchCluster.PlaceOnAsync(silo.Address, () => Task.WhenAll(targets.Select(t => t.Echo(0))));
        return targets;
    }

    /// <summary>Splits <paramref name="workers"/> call loops over the drivers; each runs until the run stops.</summary>
    private static Task RunDrivers(BenchRun run, ICallDriverGrain[] drivers, IEchoGrain[] targets, int workers)
    {
        var keys = targets.Select(t => t.GetPrimaryKeyString()).ToArray();
        return Task.WhenAll(drivers.Select((d, i) => d.Run(run.Id, keys, workers / drivers.Length + (i < workers % drivers.Length ? 1 : 0))));
    }
}
