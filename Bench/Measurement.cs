using System.Text.Json.Nodes;

namespace GrainStream.Bench;

/// <summary>One measured interval.</summary>
internal sealed record Measurement(double PerSecond, long Count, double P50Us, double P90Us, double P99Us, double P999Us, double MaxUs,
    double AllocBytesPerOp, double CpuUsPerOp, int Gen0, int Gen1, int Gen2, double GcPauseMs, double PoolItemsPerOp, int PoolThreads)
{
    public JsonObject ToJson(string rateName) => new()
    {
        [rateName] = Number(PerSecond, 0),
        ["count"] = Count,
        ["p50Us"] = Number(P50Us, 1),
        ["p90Us"] = Number(P90Us, 1),
        ["p99Us"] = Number(P99Us, 1),
        ["p999Us"] = Number(P999Us, 1),
        ["maxUs"] = Number(MaxUs, 1),
        ["allocBytesPerOp"] = Number(AllocBytesPerOp, 0),
        ["cpuUsPerOp"] = Number(CpuUsPerOp, 2),
        ["gcs"] = $"{Gen0}/{Gen1}/{Gen2}",
        ["gcPauseMs"] = Number(GcPauseMs, 1),
        ["poolItemsPerOp"] = Number(PoolItemsPerOp, 2),
        ["poolThreads"] = PoolThreads,
    };

    // Null when nothing was measured (NaN is not JSON).
    private static JsonNode? Number(double value, int decimals) => double.IsFinite(value) ? JsonValue.Create(Math.Round(value, decimals)) : null;

    public override string ToString()
        => $"{PerSecond,12:N0}/s  p50 {P50Us,8:N1} µs  p99 {P99Us,8:N1} µs  p99.9 {P999Us,8:N1} µs  max {MaxUs,9:N1} µs  "
            + $"{AllocBytesPerOp,6:N0} B/op  {CpuUsPerOp,5:N2} µs cpu/op  gc {Gen0}/{Gen1}/{Gen2} {GcPauseMs:N0} ms  pool {PoolItemsPerOp:N2}/op {PoolThreads} thr";
}
