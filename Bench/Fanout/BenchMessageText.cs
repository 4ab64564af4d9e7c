using System.Buffers.Text;
using System.Globalization;

namespace GrainStream.Bench.Fanout;

/// <summary>The text of a benchmark message, <c>bench:{seq}:{timestamp}</c>: which message of its
/// topic it is and when it was posted (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), so a
/// subscriber finds both in whatever the server wraps around it (GrainStream's JSON, nchan's raw data).</summary>
internal static class BenchMessageText
{
    private static ReadOnlySpan<byte> Marker => "bench:"u8;

    public static string Format(int sequence, long timestamp)
        => string.Create(CultureInfo.InvariantCulture, $"bench:{sequence}:{timestamp}");

    /// <summary>Finds a benchmark text in one <c>data:</c> line.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out int sequence, out long timestamp)
    {
        sequence = 0;
        timestamp = 0;
        var at = line.IndexOf(Marker);
        if (at < 0) return false;
        var rest = line[(at + Marker.Length)..];
        if (!Utf8Parser.TryParse(rest, out sequence, out var used) || used >= rest.Length || rest[used] != (byte)':') return false;
        return Utf8Parser.TryParse(rest[(used + 1)..], out timestamp, out _);
    }
}
