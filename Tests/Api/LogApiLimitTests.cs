using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Api;

/// <summary>What a tail of an unknown log leaves behind (nothing), and bodies of many lines.</summary>
public sealed class LogApiLimitTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private ApiHost Host => fixture.Host;

    [Fact]
    public async Task A_tail_of_an_unknown_log_is_404_and_leaves_no_grain_hub_or_row()
    {
        var name = ApiHost.NewKey("nobody") + ".log";
        foreach (var path in new[] { $"/api/logs/{name}/events?tail=10", $"/api/events?topic=log:{name}" })
        {
            using var response = await SseClient.SendAsync(Host.Client, path);
            Assert.Contains("no log", (await ApiHost.ReadProblem(response, 404))["detail"]!.GetValue<string>());
        }

        var management = Host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);
        Assert.DoesNotContain(name, await Platform.Logs.LogWatchLifetimeTests.ActivationsAsync(management, "logfile"));
        Assert.DoesNotContain(await Platform.Logs.LogWatchLifetimeTests.ActivationsAsync(management, "gs-streamhub"), key => key.Contains(name, StringComparison.Ordinal));
        var eventLog = Host.Services.GetRequiredKeyedService<GrainStream.Streams.IEventLog>(GrainStream.Streams.GrainStreamEventsExtensions.DefaultProviderName);
        Assert.DoesNotContain(GrainStream.Grains.Logs.LogStreams.File(name), await eventLog.ListStreamsAsync(null, 100_000));
        Assert.False(File.Exists(Path.Combine(Host.LogRoot, name)));
    }

    [Fact]
    public async Task A_body_of_100_KB_of_newlines_is_accepted_and_its_last_lines_can_be_tailed()
    {
        var name = ApiHost.NewKey("newlines") + ".log";
        using (var response = await Host.PostRawAsync($"/api/logs/{name}/lines", new string('\n', 100 * 1024), "text/plain"))
        {
            Assert.Equal(100 * 1024, (await ApiHost.Read(response, HttpStatusCode.Accepted))["appended"]!.GetValue<int>());
        }
        Assert.Equal(100 * 1024, new FileInfo(Path.Combine(Host.LogRoot, name)).Length);

        await using var tail = await SseClient.OpenAsync(Host.Client, $"/api/logs/{name}/events?tail=2");
        var last = (await tail.TakeAsync(2, "the last two lines")).Select(e => e.Json()["n"]!.GetValue<long>());
        Assert.Equal([100 * 1024 - 1L, 100 * 1024], last);
    }
}
