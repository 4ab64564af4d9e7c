using System.Net;
using System.Text.Json.Nodes;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Api;

public sealed class TaskApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private ApiHost Host => fixture.Host;

    private async Task<(string Id, JsonNode Body, Uri? Location)> CreateAsync(string queue, int maxAttempts = 3, string type = "test.work")
    {
        using var response = await Host.PostJsonAsync("/api/tasks", new { type, payload = new { n = 3 }, queue, maxAttempts });
        var body = await ApiHost.Read(response, HttpStatusCode.Created);
        return (body["id"]!.GetValue<string>(), body, response.Headers.Location);
    }

    private async Task<JsonNode?> ClaimAsync(string queue, string worker, int leaseSeconds = 30)
    {
        using var response = await Host.PostJsonAsync("/api/tasks/claim", new { worker, queue, types = new[] { "test.work" }, leaseSeconds });
        if (response.StatusCode == HttpStatusCode.NoContent) return null;
        return await ApiHost.Read(response, HttpStatusCode.OK);
    }

    private async Task<HttpStatusCode> ReportAsync(string id, string action, object body)
    {
        using var response = await Host.PostJsonAsync($"/api/tasks/{id}/{action}", body);
        if (response.StatusCode != HttpStatusCode.NoContent) await ApiHost.ReadProblem(response, (int)response.StatusCode);
        return response.StatusCode;
    }

    [Fact]
    public async Task Create_returns_201_with_location_and_queued_status()
    {
        var (id, body, location) = await CreateAsync(ApiHost.NewKey("q"));
        Assert.Equal(32, id.Length);
        Assert.Equal("queued", body["status"]!.GetValue<string>());
        Assert.Equal($"/api/tasks/{id}", location?.OriginalString);
        var view = await Host.GetJsonAsync($"/api/tasks/{id}");
        Assert.Equal("queued", view["status"]!.GetValue<string>());
        Assert.Equal("test.work", view["type"]!.GetValue<string>());
        Assert.Equal(3, view["payload"]!["n"]!.GetValue<int>());
        Assert.Equal(0, view["progress"]!.GetValue<int>());
        Assert.NotNull(view["createdAt"]);
    }

    [Fact]
    public async Task Unknown_tasks_are_404_problems_everywhere()
    {
        var id = Guid.NewGuid().ToString("N");
        using (var get = await Host.Client.GetAsync($"/api/tasks/{id}")) await ApiHost.ReadProblem(get, 404);
        using (var cancel = await Host.Client.PostAsync($"/api/tasks/{id}/cancel", null)) await ApiHost.ReadProblem(cancel, 404);
        using (var events = await Host.Client.GetAsync($"/api/tasks/{id}/events")) await ApiHost.ReadProblem(events, 404);
        Assert.Equal(HttpStatusCode.NotFound, await ReportAsync(id, "progress", new { worker = "w", percent = 1 }));
        Assert.Equal(HttpStatusCode.NotFound, await ReportAsync(id, "complete", new { worker = "w" }));
        Assert.Equal(HttpStatusCode.NotFound, await ReportAsync(id, "fail", new { worker = "w", error = "x" }));
    }

    [Fact]
    public async Task A_worker_claims_reports_progress_and_completes_while_the_stream_follows_and_then_ends()
    {
        var queue = ApiHost.NewKey("q");
        var (id, _, _) = await CreateAsync(queue);
        var events = await SseClient.OpenAsync(Host.Client, $"/api/tasks/{id}/events");

        var claimed = await ClaimAsync(queue, "w1");
        Assert.Equal(id, claimed!["id"]!.GetValue<string>());
        Assert.Equal("running", claimed["status"]!.GetValue<string>());
        Assert.Null(await ClaimAsync(queue, "w2"));
        Assert.Equal("running", (await events.NextOfTypeAsync("status")).Json()["status"]!.GetValue<string>());

        var token = claimed["leaseToken"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.NoContent, await ReportAsync(id, "progress", new { worker = "w1", leaseToken = token, percent = 40, message = "going" }));
        var progress = (await events.NextOfTypeAsync("progress")).Json();
        Assert.Equal(40, progress["percent"]!.GetValue<int>());
        Assert.Equal("going", progress["message"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.NoContent, await ReportAsync(id, "complete", new { worker = "w1", leaseToken = token, result = new { answer = 42 } }));
        var done = await events.NextOfTypeAsync("status");
        Assert.Equal("succeeded", done.Json()["status"]!.GetValue<string>());
        Assert.Empty(await events.EndAsync());
        await events.DisposeAsync();

        var view = await Host.GetJsonAsync($"/api/tasks/{id}");
        Assert.Equal("succeeded", view["status"]!.GetValue<string>());
        Assert.Equal(100, view["progress"]!.GetValue<int>());
        Assert.Equal(42, view["result"]!["answer"]!.GetValue<int>());
        Assert.Equal(1, view["attempts"]!.GetValue<int>());

        // EventSource reconnects with the terminal event's id: 204 stops it.
        using (var again = await SseClient.SendAsync(Host.Client, $"/api/tasks/{id}/events", done.EventId))
        {
            Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        }

        // A fresh client gets the final status and the end.
        await using var fresh = await SseClient.OpenAsync(Host.Client, $"/api/tasks/{id}/events");
        var final = await fresh.NextAsync("the final status");
        Assert.Equal("status", final.EventType);
        Assert.Equal("succeeded", final.Json()["status"]!.GetValue<string>());
        Assert.Equal(done.EventId, final.EventId);
        Assert.Empty(await fresh.EndAsync());
    }

    [Fact]
    public async Task A_client_that_dropped_out_before_the_end_gets_the_rest_then_the_end()
    {
        var queue = ApiHost.NewKey("q");
        var (id, _, _) = await CreateAsync(queue);
        string? runningId;
        string token;
        await using (var events = await SseClient.OpenAsync(Host.Client, $"/api/tasks/{id}/events"))
        {
            token = (await ClaimAsync(queue, "w1"))!["leaseToken"]!.GetValue<string>();
            runningId = (await events.NextOfTypeAsync("status")).EventId;
        }
        Assert.Equal(HttpStatusCode.NoContent, await ReportAsync(id, "progress", new { worker = "w1", leaseToken = token, percent = 90 }));
        Assert.Equal(HttpStatusCode.NoContent, await ReportAsync(id, "complete", new { worker = "w1", leaseToken = token }));

        await using var resumed = await SseClient.OpenAsync(Host.Client, $"/api/tasks/{id}/events", runningId);
        Assert.Equal("progress", (await resumed.NextAsync()).EventType);
        var last = await resumed.NextAsync();
        Assert.Equal("succeeded", last.Json()["status"]!.GetValue<string>());
        Assert.Empty(await resumed.EndAsync());
    }

    [Fact]
    public async Task An_expired_lease_puts_the_task_back_and_the_old_worker_gets_409()
    {
        var queue = ApiHost.NewKey("q");
        var (id, _, _) = await CreateAsync(queue, maxAttempts: 2);
        var first = await ClaimAsync(queue, "slow", leaseSeconds: 1);
        Assert.Equal(1, first!["attempts"]!.GetValue<int>());

        await Eventually.TrueAsync(async () => (await Host.GetJsonAsync($"/api/tasks/{id}"))["status"]!.GetValue<string>() == "queued",
            "the task back in the queue after its 1 s lease expired");
        var slow = first["leaseToken"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Conflict, await ReportAsync(id, "progress", new { worker = "slow", leaseToken = slow, percent = 10 }));
        Assert.Equal(HttpStatusCode.Conflict, await ReportAsync(id, "complete", new { worker = "slow", leaseToken = slow }));

        var second = await ClaimAsync(queue, "fast");
        Assert.Equal(id, second!["id"]!.GetValue<string>());
        Assert.Equal(2, second["attempts"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.Conflict, await ReportAsync(id, "progress", new { worker = "slow", leaseToken = slow, percent = 10 }));
        Assert.Equal(HttpStatusCode.NoContent, await ReportAsync(id, "fail", new { worker = "fast", leaseToken = second["leaseToken"]!.GetValue<string>(), error = "boom" }));

        var view = await Host.GetJsonAsync($"/api/tasks/{id}");
        Assert.Equal("failed", view["status"]!.GetValue<string>());
        Assert.Equal("boom", view["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Claim_with_nothing_pending_is_204()
    {
        Assert.Null(await ClaimAsync(ApiHost.NewKey("empty"), "idle"));
    }

    [Fact]
    public async Task Cancel_is_202_and_a_reconnect_after_it_gets_204()
    {
        var (id, _, _) = await CreateAsync(ApiHost.NewKey("q"));
        await using var events = await SseClient.OpenAsync(Host.Client, $"/api/tasks/{id}/events");
        using (var response = await Host.Client.PostAsync($"/api/tasks/{id}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Equal("cancelled", (await ApiHost.Read(response, HttpStatusCode.Accepted))["status"]!.GetValue<string>());
        }
        var cancelled = await events.NextOfTypeAsync("status");
        Assert.Equal("cancelled", cancelled.Json()["status"]!.GetValue<string>());
        await events.EndAsync();

        using var again = await SseClient.SendAsync(Host.Client, $"/api/tasks/{id}/events?lastEventId={Uri.EscapeDataString(cancelled.EventId!)}");
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
    }

    [Theory]
    [InlineData("{}", "type")]
    [InlineData("{\"type\":\"a/b\"}", "type")]
    [InlineData("{\"type\":\"t\",\"maxAttempts\":0}", "maxAttempts")]
    [InlineData("{\"type\":\"t\",\"queue\":\"..\"}", "queue")]
    public async Task Invalid_creates_are_400(string body, string field)
    {
        using var response = await Host.PostRawAsync("/api/tasks", body, "application/json");
        Assert.NotNull((await ApiHost.ReadProblem(response, 400))["errors"]![field]);
    }

    [Fact]
    public async Task Claim_returns_a_lease_token_that_complete_requires()
    {
        var queue = ApiHost.NewKey("q");
        var (id, _, _) = await CreateAsync(queue);
        var events = await SseClient.OpenAsync(Host.Client, $"/api/tasks/{id}/events");
        var claimed = await ClaimAsync(queue, "w1");
        var token = claimed!["leaseToken"]!.GetValue<string>();
        Assert.Equal(32, token.Length);

        // Only the claim's answer carries it: not the task, not its status events.
        Assert.Null((await Host.GetJsonAsync($"/api/tasks/{id}"))["leaseToken"]);
        Assert.Null((await events.NextOfTypeAsync("status")).Json()["leaseToken"]);
        await events.DisposeAsync();

        using (var response = await Host.PostJsonAsync($"/api/tasks/{id}/complete", new { worker = "w1" }))
        {
            Assert.Contains("leaseToken", (await ApiHost.ReadProblem(response, 409))["detail"]!.GetValue<string>());
        }
        Assert.Equal(HttpStatusCode.Conflict, await ReportAsync(id, "complete", new { worker = "w1", leaseToken = new string('0', 32) }));
        Assert.Equal(HttpStatusCode.Conflict, await ReportAsync(id, "progress", new { worker = "w1", percent = 5 }));
        Assert.Equal(HttpStatusCode.Conflict, await ReportAsync(id, "fail", new { worker = "w1", error = "no token" }));
        // The token proves the lease together with the worker's name, never instead of it.
        Assert.Equal(HttpStatusCode.Conflict, await ReportAsync(id, "complete", new { worker = "w2", leaseToken = token }));
        Assert.Equal("running", (await Host.GetJsonAsync($"/api/tasks/{id}"))["status"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.NoContent, await ReportAsync(id, "complete", new { worker = "w1", leaseToken = token }));
        Assert.Equal("succeeded", (await Host.GetJsonAsync($"/api/tasks/{id}"))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_zombie_workers_complete_is_409()
    {
        var queue = ApiHost.NewKey("q");
        var (id, _, _) = await CreateAsync(queue);
        var zombie = (await ClaimAsync(queue, "w", leaseSeconds: 1))!["leaseToken"]!.GetValue<string>();
        await Eventually.TrueAsync(async () => (await Host.GetJsonAsync($"/api/tasks/{id}"))["status"]!.GetValue<string>() == "queued",
            "the task back in the queue after its 1 s lease expired");

        // A new process under the same worker name claims the next attempt; the old one wakes up.
        var next = await ClaimAsync(queue, "w");
        Assert.Equal(2, next!["attempts"]!.GetValue<int>());
        var current = next["leaseToken"]!.GetValue<string>();
        Assert.NotEqual(zombie, current);
        Assert.Equal(HttpStatusCode.Conflict, await ReportAsync(id, "progress", new { worker = "w", leaseToken = zombie, percent = 99 }));
        Assert.Equal(HttpStatusCode.Conflict, await ReportAsync(id, "complete", new { worker = "w", leaseToken = zombie, result = "stale" }));
        Assert.Equal(HttpStatusCode.Conflict, await ReportAsync(id, "fail", new { worker = "w", leaseToken = zombie, error = "stale" }));

        Assert.Equal(HttpStatusCode.NoContent, await ReportAsync(id, "complete", new { worker = "w", leaseToken = current, result = "fresh" }));
        var view = await Host.GetJsonAsync($"/api/tasks/{id}");
        Assert.Equal(("succeeded", "fresh"), (view["status"]!.GetValue<string>(), view["result"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_lease_longer_than_the_maximum_is_400_and_the_maximum_itself_is_granted()
    {
        var queue = ApiHost.NewKey("q");
        var (id, _, _) = await CreateAsync(queue);
        using (var response = await Host.PostJsonAsync("/api/tasks/claim", new { worker = "w", queue, leaseSeconds = 601 }))
        {
            var problem = await ApiHost.ReadProblem(response, 400);
            Assert.Contains("Tasks:MaxLeaseSeconds", problem["detail"]!.GetValue<string>());
        }
        Assert.Equal("queued", (await Host.GetJsonAsync($"/api/tasks/{id}"))["status"]!.GetValue<string>());

        var claimed = await ClaimAsync(queue, "w", leaseSeconds: 600);
        var lease = claimed!["leaseExpiresAt"]!.GetValue<DateTimeOffset>() - claimed["startedAt"]!.GetValue<DateTimeOffset>();
        // The queue stamps the expiry a moment before the job stamps the start.
        Assert.InRange(lease, TimeSpan.FromSeconds(599), TimeSpan.FromSeconds(600));
    }

    [Theory]
    [InlineData("claim", "{}")]
    [InlineData("claim", "{\"worker\":\"w\",\"leaseSeconds\":0}")]
    [InlineData("x/progress", "{\"worker\":\"w\",\"percent\":101}")]
    [InlineData("x/progress", "{\"worker\":\"w\"}")]
    [InlineData("x/fail", "{\"worker\":\"w\"}")]
    public async Task Invalid_worker_requests_are_400(string path, string body)
    {
        using var response = await Host.PostRawAsync($"/api/tasks/{path}", body, "application/json");
        await ApiHost.ReadProblem(response, 400);
    }
}
