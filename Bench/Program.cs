using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GrainStream.Bench;

// Load benchmarks of Orleans on an in-process cluster (two silos and a client on loopback TCP).
//   dotnet run -c Release --project Bench -- calls   [options]
//   dotnet run -c Release --project Bench -- streams [options]
// and, against a running server (GrainStream's Api or nginx + nchan):
//   dotnet run -c Release --project Bench -- fanout --subscribers N --topics K --rate R --messages M
// The last line printed is one JSON object with the results.
if (args.Length > 0 && args[0] == "fanout")
{
    // The client's socket completions run inline on the event loop (parsing a read is cheap and never
    // blocks): otherwise the client's thread hops take the CPU the server under test needs.
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
    var fanout = GrainStream.Bench.Fanout.FanoutOptions.Parse(args);
    if (fanout is null)
    {
        Console.Error.WriteLine(GrainStream.Bench.Fanout.FanoutOptions.Usage);
        return 2;
    }
    Console.WriteLine((await GrainStream.Bench.Fanout.FanoutBenchmark.RunAsync(fanout)).ToJsonString());
    return 0;
}

var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

GrainStream.Bench.Harness.PrintAllocations = options.SampleAllocations;
JsonObject result = options.Command switch
{
    "calls" => await CallBenchmarks.RunAsync(options),
    "streams" => await StreamBenchmarks.RunAsync(options),
    _ => throw new InvalidOperationException(),
};
result["machine"] = new JsonObject
{
    ["processors"] = Environment.ProcessorCount,
    ["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
    ["serverGc"] = System.Runtime.GCSettings.IsServerGC,
};
Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
return 0;

/// <summary>Command-line options (hand-parsed: <c>--name value</c>).</summary>
internal sealed class BenchOptions
{
    public const string Usage = """
        usage: GrainStream.Bench calls|streams [--warmup s] [--duration s] [--half-warmup s] [--half-duration s]
                                               [--scenarios inSilo,siloToSilo,clientToSilo (calls) |
                                                            grainStream,memoryStreams,grainStreamSqlite (streams;
                                                            grainStreamSqlite only when named)]
                                               [--workers n] [--targets n]
                                               [--drivers n] [--window n] [--half-fraction f]
                                               [--half-target true|false] [--rate n (only paced at n/s,
                                                                              for --warmup and --duration)]
                                               [--sample-allocations true|false]
        """;

    public string Command { get; private init; } = "";
    // Five seconds: on two cores the tiered JIT goes on recompiling Orleans' and the provider's hot
    // code for seconds after start; measured after 1 s it was the p99 (streams at 10,000/s: 2.6-6.2 ms
    // after 1 s, 0.4-1.0 ms after 6 s, 0.6-1.3 ms after 1 s with tiering off).
    public double WarmupSeconds { get; private set; } = 5;
    public double DurationSeconds { get; private set; } = 5;
    public double HalfWarmupSeconds { get; private set; } = 1;
    public double HalfDurationSeconds { get; private set; } = 3;
    public double HalfFraction { get; private set; } = 0.5;
    public int? Workers { get; private set; }
    public int Targets { get; private set; } = 128;
    public int Drivers { get; private set; } = 4;
    public int Window { get; private set; } = 2048;
    public HashSet<string>? Scenarios { get; private set; }
    public double? Rate { get; private set; }
    public bool HalfTarget { get; private set; } = true;
    public bool SampleAllocations { get; private set; }

    public static BenchOptions? Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("calls" or "streams")) return null;
        var options = new BenchOptions { Command = args[0] };
        for (var i = 1; i < args.Length; i++)
        {
            if (i + 1 >= args.Length) return null;
            var value = args[++i];
            double Number() => double.Parse(value, CultureInfo.InvariantCulture);
            switch (args[i - 1])
            {
                case "--warmup": options.WarmupSeconds = Number(); break;
                case "--duration": options.DurationSeconds = Number(); break;
                case "--half-warmup": options.HalfWarmupSeconds = Number(); break;
                case "--half-duration": options.HalfDurationSeconds = Number(); break;
                case "--half-fraction": options.HalfFraction = Number(); break;
                case "--workers": options.Workers = (int)Number(); break;
                case "--targets": options.Targets = (int)Number(); break;
                case "--drivers": options.Drivers = (int)Number(); break;
                case "--window": options.Window = (int)Number(); break;
                case "--sample-allocations": options.SampleAllocations = value is "true" or "1" or "yes"; break;
                case "--rate": options.Rate = Number(); break;
                case "--half-target": options.HalfTarget = value is "true" or "1" or "yes"; break;
                case "--scenarios": options.Scenarios = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]; break;
                default: return null;
            }
        }
        return options;
    }

    public bool Runs(string scenario) => Scenarios is null || Scenarios.Contains(scenario);
}
