using System.Text;
using GrainStream.Grains.Logs;

namespace GrainStream.Tests.Platform.Logs;

public sealed class LogLineScannerTests
{
    private static List<string> Scan(string text, int max, out int consumed)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var lines = new List<string>();
        consumed = 0;
        while (LogLineScanner.TryNext(bytes.AsSpan(consumed), max, out var length, out var used))
        {
            lines.Add(Encoding.UTF8.GetString(bytes, consumed, length));
            consumed += used;
        }
        return lines;
    }

    [Fact]
    public void Complete_lines_are_found_and_a_partial_one_is_left()
    {
        Assert.Equal(["a", "", "b"], Scan("a\n\r\nb\r\npart", 100, out var consumed));
        Assert.Equal(7, consumed);
    }

    [Fact]
    public void Long_lines_are_cut_without_splitting_characters()
    {
        Assert.Equal(["€€", "€x"], Scan("€€€x\n", 7, out _)); // € is three bytes: 7 bytes hold two
        Assert.Equal(["12345"], Scan("1234567", 5, out var consumed)); // an unended line is cut only beyond the maximum
        Assert.Equal(5, consumed);
        Assert.Empty(Scan("123456", 5, out _)); // room for a "\r" before its "\n"
        Assert.Equal(["12345"], Scan("12345\r\n", 5, out _));
    }
}
