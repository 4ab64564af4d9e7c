using System.Globalization;
using System.Text.Json.Nodes;

namespace GrainStream.Bench.Fanout;

/// <summary>The garbage collector's counters of a process: collections by the oldest generation
/// they collected, and the time the process was paused. A GrainStream node's are read from the .NET
/// runtime's meter at <c>/metrics</c>, the benchmark's own from its runtime. Read before and after
/// the counted posts, their difference says how much of a run's tail either collector can explain
/// (a paused client reads its sockets late, and counts that as latency).</summary>
internal sealed record CollectorCounters(double Gen0, double Gen1, double Gen2, double PauseSeconds)
{
    private static readonly CollectorCounters Zero = new(0, 0, 0, 0);

    /// <summary>This process's counters.</summary>
    public static CollectorCounters OfThisProcess()
    {
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        return new CollectorCounters(gen0 - gen1, gen1 - gen2, gen2, GC.GetTotalPauseDuration().TotalSeconds);
    }

    /// <summary>The counters of every node summed, or null when one of them does not serve them
    /// (nchan, or a node whose <c>/metrics</c> needs a token).</summary>
    public static async Task<CollectorCounters?> ReadAsync(IEnumerable<Uri> nodes)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var sum = Zero;
        foreach (var node in nodes)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(node, "/metrics"));
                if (!response.IsSuccessStatusCode) return null;
                if (Parse(await response.Content.ReadAsStringAsync()) is not { } counters) return null;
                sum = new CollectorCounters(sum.Gen0 + counters.Gen0, sum.Gen1 + counters.Gen1, sum.Gen2 + counters.Gen2, sum.PauseSeconds + counters.PauseSeconds);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return null;
            }
        }
        return sum;
    }

    /// <summary>The counters in a Prometheus text scrape, or null when it has none.</summary>
    public static CollectorCounters? Parse(string scrape)
    {
        double? gen0 = null, gen1 = null, gen2 = null, pause = null;
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith("dotnet_gc_collections_total{", StringComparison.Ordinal))
            {
                if (line.Contains("gc_heap_generation=\"gen0\"", StringComparison.Ordinal)) gen0 = ValueOf(line);
                else if (line.Contains("gc_heap_generation=\"gen1\"", StringComparison.Ordinal)) gen1 = ValueOf(line);
                else if (line.Contains("gc_heap_generation=\"gen2\"", StringComparison.Ordinal)) gen2 = ValueOf(line);
            }
            else if (line.StartsWith("dotnet_gc_pause_time_seconds_total", StringComparison.Ordinal))
            {
                pause = ValueOf(line);
            }
        }
        return gen0 is null || pause is null ? null : new CollectorCounters(gen0.Value, gen1 ?? 0, gen2 ?? 0, pause.Value);
    }

    /// <summary>What happened between <paramref name="before"/> and this reading, as the run's JSON.</summary>
    public JsonObject Since(CollectorCounters before) => new()
    {
        ["gen0"] = Gen0 - before.Gen0,
        ["gen1"] = Gen1 - before.Gen1,
        ["gen2"] = Gen2 - before.Gen2,
        ["pauseMs"] = Math.Round((PauseSeconds - before.PauseSeconds) * 1000, 1),
    };

    // "name{labels} value [timestamp]"
    private static double ValueOf(string line)
        => double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
}
