using GrainStream.Grains.Logs;
using GrainStream.Streams;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Platform.Logs;

public sealed class LogResumeTests
{
    [Fact]
    public async Task Tail_resumes_after_reactivation_without_repeating_lines()
    {
        using var root = new TemporaryLogRoot();
        await using var cluster = await LogCluster.StartAsync(root, silos: 2);
        var log = cluster.Client.GetGrain<ILogFileGrain>("resume.log");
        var live = await RawStreamRecorder.SubscribeAsync(cluster, LogStreams.File("resume.log"));
        await log.EnsureWatching();
        await File.AppendAllTextAsync(root.File("resume.log"), "1\n2\n");
        await Eventually.TrueAsync(() => live.Of<LogLine>("line").Count >= 2, "the first two lines");

        // Stop the silo holding the tail; lines written meanwhile are read by the next activation.
        await cluster.StopAndAwaitDepartureAsync(cluster.SiloOf(log));
        await File.AppendAllTextAsync(root.File("resume.log"), "3\n4\n");
        await log.EnsureWatching();
        await File.AppendAllTextAsync(root.File("resume.log"), "5\n");
        await Eventually.TrueAsync(async () => (await log.GetStatus()).Lines == 5, "five lines read");

        var replay = await RawStreamRecorder.SubscribeAsync(cluster, LogStreams.File("resume.log"), EventPosition.Beginning);
        await Eventually.TrueAsync(() => replay.Of<LogLine>("line").Count >= 5, "the history of the stream");
        Assert.Equal(Enumerable.Range(1, 5).Select(i => new LogLine(i, i.ToString(System.Globalization.CultureInfo.InvariantCulture))), replay.Of<LogLine>("line"));
        Assert.Empty(replay.Of<LogRotated>("rotated"));
    }
}
