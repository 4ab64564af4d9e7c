using System.Net;
using GrainStream.Grains;
using GrainStream.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Api;

/// <summary>Finished tasks are deleted after <c>Tasks:Retention</c>, measured on the platform clock
/// (moved by hand here); the retention reminder checks every second in this host.</summary>
public sealed class TaskRetentionTests
{
    [Fact]
    public async Task A_finished_task_is_deleted_after_the_retention()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await ApiHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Tasks:Retention"] = "01:00:00",
                ["Tasks:RetentionCheckPeriod"] = "00:00:01",
                ["GrainStream:Reminders:MinimumReminderPeriod"] = "00:00:01",
            },
            services: s => s.AddKeyedSingleton<TimeProvider>(PlatformClock.Key, clock));
        var queue = ApiHost.NewKey("q");
        var finished = await CreateAsync(host, queue);
        var running = await CreateAsync(host, queue);
        using (var claim = await host.PostJsonAsync("/api/tasks/claim", new { worker = "w", queue }))
        {
            var claimed = await ApiHost.Read(claim, HttpStatusCode.OK);
            Assert.Equal(finished, claimed["id"]!.GetValue<string>());
            using var complete = await host.PostJsonAsync($"/api/tasks/{finished}/complete", new { worker = "w", leaseToken = claimed["leaseToken"]!.GetValue<string>() });
            Assert.Equal(HttpStatusCode.NoContent, complete.StatusCode);
        }
        Assert.Equal(1, await StateRowsAsync(host, finished));
        Assert.True(await StreamRowsAsync(host, finished) > 0);

        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal("succeeded", (await host.GetJsonAsync($"/api/tasks/{finished}"))["status"]!.GetValue<string>());

        clock.Advance(TimeSpan.FromMinutes(2));
        using (var gone = await host.Client.GetAsync($"/api/tasks/{finished}")) await ApiHost.ReadProblem(gone, 404);
        using (var events = await host.Client.GetAsync($"/api/tasks/{finished}/events")) await ApiHost.ReadProblem(events, 404);
        await Eventually.TrueAsync(async () => await StateRowsAsync(host, finished) == 0, "the finished task's state row deleted by its reminder");
        // Its event stream went before its state: neither events nor the stream's log row are left.
        Assert.Equal(0, await StreamRowsAsync(host, finished));
        using (var events = await host.Client.GetAsync($"/api/tasks/{finished}/events")) await ApiHost.ReadProblem(events, 404);

        // Only finished tasks go: a task still waiting is kept however old.
        Assert.Equal("queued", (await host.GetJsonAsync($"/api/tasks/{running}"))["status"]!.GetValue<string>());
        Assert.Equal(1, await StateRowsAsync(host, running));
        Assert.True(await StreamRowsAsync(host, running) > 0);
    }

    private static async Task<string> CreateAsync(ApiHost host, string queue)
    {
        using var response = await host.PostJsonAsync("/api/tasks", new { type = "t", queue });
        return (await ApiHost.Read(response, HttpStatusCode.Created))["id"]!.GetValue<string>();
    }

    private static Task<long> StateRowsAsync(ApiHost host, string taskId)
        => CountAsync(host, "SELECT COUNT(*) FROM grain_state WHERE grain_key LIKE '%' || $key", taskId);

    // The task stream's log row and its events.
    private static Task<long> StreamRowsAsync(ApiHost host, string taskId)
        => CountAsync(host, """
            SELECT (SELECT COUNT(*) FROM stream_log WHERE stream_ns = 'task' AND stream_key = $key)
                 + (SELECT COUNT(*) FROM stream_event WHERE stream_ns = 'task' AND stream_key = $key)
            """, taskId);

    private static async Task<long> CountAsync(ApiHost host, string sql, string key)
    {
        var file = Path.Combine(host.Root, "data", "grainstream.db");
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$key", key);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
