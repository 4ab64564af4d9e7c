using GrainStream.Grains.Logs;
using GrainStream.Streams;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Platform.Logs;

/// <summary>A log is watched while its stream has subscribers, and only then.</summary>
public sealed class LogWatchLifetimeTests
{
    [Fact]
    public async Task The_watch_stops_and_the_grain_goes_once_the_last_subscriber_left()
    {
        using var root = new TemporaryLogRoot();
        await using var cluster = await LogCluster.StartAsync(root, configure: o => o.WatchIdleTimeout = TimeSpan.FromMilliseconds(300));
        await File.WriteAllTextAsync(root.File("idle.log"), "");
        var events = await RawStreamRecorder.SubscribeAsync(cluster, LogStreams.File("idle.log"));
        var log = cluster.Client.GetGrain<ILogFileGrain>("idle.log");
        await log.EnsureWatching();

        // While subscribed, the watch outlives the idle timeout and keeps following the file.
        await File.AppendAllTextAsync(root.File("idle.log"), "one\n");
        await Eventually.TrueAsync(() => events.Of<LogLine>("line").Count >= 1, "the first line");
        await File.AppendAllTextAsync(root.File("idle.log"), "two\n");
        await Eventually.TrueAsync(() => events.Of<LogLine>("line").Count >= 2, "the second line");
        Assert.True((await log.GetStatus()).Watching);
        Assert.Contains("idle.log", await LogGrainActivationsAsync(cluster));

        await events.Handle.UnsubscribeAsync();
        await Eventually.TrueAsync(async () => !(await LogGrainActivationsAsync(cluster)).Contains("idle.log"), "the log grain to deactivate");
        // Asking again activates it afresh, not watching, with the tail's position kept.
        Assert.Equal(new LogFileStatus("idle.log", 2, 8, false), await log.GetStatus());
    }

    /// <summary>The keys of the log file grains active in the cluster.</summary>
    internal static Task<List<string>> LogGrainActivationsAsync(Orleans.TestingHost.InProcessTestCluster cluster)
        => ActivationsAsync(cluster.Client.GetGrain<IManagementGrain>(0), "logfile");

    /// <summary>The keys of the active grains of the grain type <paramref name="grainType"/> (e.g. <c>logfile</c>).</summary>
    internal static async Task<List<string>> ActivationsAsync(IManagementGrain management, string grainType)
        => [.. (await management.GetDetailedGrainStatistics()).Where(s => s.GrainId.Type.ToString() == grainType).Select(s => s.GrainId.Key.ToString()!)];
}
