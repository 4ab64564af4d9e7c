using GrainStream.Grains.Logs;
using GrainStream.Streams;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Platform.Logs;

/// <summary>Many lines at once are published and committed in blocks, not one by one.</summary>
public sealed class LogBatchingTests
{
    [Fact]
    public async Task A_large_append_arrives_once_in_order_in_a_bounded_number_of_commits()
    {
        const int count = 100_000;
        using var root = new TemporaryLogRoot();
        CountingEventLog? log = null;
        await using var cluster = await LogCluster.StartAsync(root, silo: s => CountingEventLog.Decorate(s.Services, created => log = created));
        var stream = LogStreams.File("burst.log");
        var events = await RawStreamRecorder.SubscribeAsync(cluster, stream);
        var lines = Enumerable.Range(1, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        Assert.Equal(count, await cluster.Client.GetGrain<ILogFileGrain>("burst.log").Append(lines));

        await Eventually.TrueAsync(() => events.Events.Count >= count, "every appended line on the stream");
        Assert.Equal(Enumerable.Range(1, count).Select(i => new LogLine(i, lines[i - 1])), events.Of<LogLine>("line"));
        // One commit per block of Logs:PublishBatchSize (1024) lines, not one per line.
        var (appends, committed) = log!.Of(stream);
        Assert.Equal(count, committed);
        Assert.InRange(appends, 1, (count + 1023) / 1024);
    }
}
