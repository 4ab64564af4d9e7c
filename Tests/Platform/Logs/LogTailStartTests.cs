using System.Text;
using GrainStream.Grains.Logs;
using GrainStream.Streams;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Platform.Logs;

/// <summary>Where a tail begins on a file its grain has never read.</summary>
public sealed class LogTailStartTests : IAsyncLifetime
{
    private readonly TemporaryLogRoot _root = new();
    private Orleans.TestingHost.InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LogCluster.StartAsync(_root);

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _root.Dispose();
    }

    private static string Text(int i) => "line " + i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Writes lines until the file holds at least <paramref name="bytes"/>; returns how many.</summary>
    private async Task<int> WriteLinesAsync(string name, long bytes)
    {
        await using var writer = new StreamWriter(_root.File(name), append: false, new UTF8Encoding(false), 1 << 20);
        var count = 0;
        for (long written = 0; written < bytes; written += Text(count).Length + 1)
        {
            await writer.WriteAsync(Text(++count));
            await writer.WriteAsync('\n');
        }
        return count;
    }

    [Fact]
    public async Task A_new_tail_of_a_large_file_starts_at_its_last_lines_numbered_from_one()
    {
        var total = await WriteLinesAsync("big.log", 50L * 1024 * 1024);
        var events = await RawStreamRecorder.SubscribeAsync(_cluster, LogStreams.File("big.log"));
        var log = _cluster.Client.GetGrain<ILogFileGrain>("big.log");

        await log.EnsureWatching(tail: 3);
        await File.AppendAllTextAsync(_root.File("big.log"), "after\n");

        await Eventually.TrueAsync(() => events.Of<LogLine>("line").Count >= 4, "the last three lines and the next one");
        // The 50 MB before them are skipped; numbering counts from the first line read.
        Assert.Equal([new(1, Text(total - 2)), new(2, Text(total - 1)), new(3, Text(total)), new LogLine(4, "after")], events.Of<LogLine>("line"));
        Assert.Equal(new FileInfo(_root.File("big.log")).Length, (await log.GetStatus()).Offset);
    }

    [Fact]
    public async Task Without_tail_a_large_file_is_followed_from_its_end()
    {
        await WriteLinesAsync("quiet.log", 2L * 1024 * 1024);
        await File.AppendAllTextAsync(_root.File("quiet.log"), "unfinished");
        var events = await RawStreamRecorder.SubscribeAsync(_cluster, LogStreams.File("quiet.log"));
        await _cluster.Client.GetGrain<ILogFileGrain>("quiet.log").EnsureWatching();

        // The open last line was not skipped: it is the first line once completed.
        await File.AppendAllTextAsync(_root.File("quiet.log"), " now\n");
        await Eventually.TrueAsync(() => events.Of<LogLine>("line").Count >= 1, "the completed line");
        Assert.Equal([new LogLine(1, "unfinished now")], events.Of<LogLine>("line"));
    }

    [Fact]
    public async Task A_small_file_is_read_from_its_start()
    {
        await File.WriteAllTextAsync(_root.File("small.log"), "a\nb\n");
        var events = await RawStreamRecorder.SubscribeAsync(_cluster, LogStreams.File("small.log"));
        await _cluster.Client.GetGrain<ILogFileGrain>("small.log").EnsureWatching(tail: 1);
        await Eventually.TrueAsync(() => events.Of<LogLine>("line").Count >= 2, "both lines");
        Assert.Equal([new LogLine(1, "a"), new LogLine(2, "b")], events.Of<LogLine>("line"));
    }

    [Fact]
    public async Task An_append_to_a_large_file_never_read_publishes_only_the_appended_lines()
    {
        await WriteLinesAsync("grown.log", 2L * 1024 * 1024);
        var events = await RawStreamRecorder.SubscribeAsync(_cluster, LogStreams.File("grown.log"));
        Assert.Equal(1, await _cluster.Client.GetGrain<ILogFileGrain>("grown.log").Append(["appended"]));
        await Eventually.TrueAsync(() => events.Of<LogLine>("line").Count >= 1, "the appended line");
        Assert.Equal([new LogLine(1, "appended")], events.Of<LogLine>("line"));
    }
}
