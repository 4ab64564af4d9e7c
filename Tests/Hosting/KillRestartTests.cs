using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Hosting;

/// <summary>The embedded host killed with SIGKILL and started again on the same data.</summary>
public sealed class KillRestartTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "grainstream-kill-" + Guid.NewGuid().ToString("N"));

    private Dictionary<string, string> Settings => new()
    {
        ["GrainStream:DataDirectory"] = Path.Combine(_root, "data"),
        ["GrainStream:Reminders:MinimumReminderPeriod"] = "00:00:01",
        ["Logs:Root"] = Path.Combine(_root, "logs"),
        ["Stocks:Simulate"] = "false",
        ["Tasks:DemoWorker"] = "false",
        ["Tasks:LeaseReminderPeriod"] = "00:00:02",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    [Fact]
    public async Task A_lease_reminder_registered_before_a_kill_fires_after_the_restart()
    {
        string id;
        await using (var first = await ApiProcess.StartAsync(Settings))
        {
            using var created = await first.Client.PostAsJsonAsync("/api/tasks", new { type = "export", queue = "kill9" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            id = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
            using var claimed = await first.Client.PostAsJsonAsync("/api/tasks/claim", new { worker = "doomed", queue = "kill9", leaseSeconds = 1 });
            Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
            // Killed while the task is leased: only the durable reminder can bring its queue back.
            await first.KillAsync();
        }

        await using var second = await ApiProcess.StartAsync(Settings);
        JsonObject? task = null;
        await Eventually.TrueAsync(async () =>
        {
            task = await second.Client.GetFromJsonAsync<JsonObject>($"/api/tasks/{id}");
            return task!["status"]!.GetValue<string>() == "queued";
        }, "the task back in its queue after its lease expired", TimeSpan.FromSeconds(60));
        Assert.Equal(("lease expired", 1), (task!["error"]!.GetValue<string>(), task["attempts"]!.GetValue<int>()));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
