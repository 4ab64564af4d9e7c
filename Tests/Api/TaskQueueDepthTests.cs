using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Api;

/// <summary>A task queue holds at most <c>Tasks:MaxQueueDepth</c> tasks, waiting or leased: one more is
/// a 409 problem (as a full message queue answers), while a task going back after a failed attempt
/// is never refused.</summary>
public sealed class TaskQueueDepthTests
{
    [Fact]
    public async Task Creating_a_task_in_a_full_queue_is_409_and_a_retry_still_goes_back()
    {
        await using var host = await ApiHost.StartAsync(new Dictionary<string, string?> { ["Tasks:MaxQueueDepth"] = "2" });
        var queue = ApiHost.NewKey("deep");
        var first = await CreateAsync(host, queue, HttpStatusCode.Created);
        string token;
        using (var claim = await host.PostJsonAsync("/api/tasks/claim", new { worker = "w1", queue }))
        {
            var claimed = await ApiHost.Read(claim, HttpStatusCode.OK);
            Assert.Equal(first, claimed["id"]!.GetValue<string>());
            token = claimed["leaseToken"]!.GetValue<string>();
        }
        await CreateAsync(host, queue, HttpStatusCode.Created);

        using (var full = await host.PostJsonAsync("/api/tasks", new { type = "t", queue }))
        {
            var problem = await ApiHost.ReadProblem(full, 409);
            Assert.Contains("full", problem["detail"]!.GetValue<string>());
        }
        // Other queues are not affected.
        await CreateAsync(host, ApiHost.NewKey("other"), HttpStatusCode.Created);

        // The leased task fails and goes back to its full queue: it was counted all along.
        using (var failed = await host.PostJsonAsync($"/api/tasks/{first}/fail", new { worker = "w1", leaseToken = token, error = "try again" }))
        {
            Assert.Equal(HttpStatusCode.NoContent, failed.StatusCode);
        }
        Assert.Equal("queued", (await host.GetJsonAsync($"/api/tasks/{first}"))["status"]!.GetValue<string>());
        var stats = await host.Services.GetRequiredService<IClusterClient>().GetGrain<GrainStream.Grains.Tasks.ITaskQueueGrain>(queue).GetStats();
        Assert.Equal((2, 0), (stats.Pending, stats.Leased));
    }

    private static async Task<string> CreateAsync(ApiHost host, string queue, HttpStatusCode expected)
    {
        using var response = await host.PostJsonAsync("/api/tasks", new { type = "t", queue });
        return (await ApiHost.Read(response, expected))["id"]!.GetValue<string>();
    }
}
