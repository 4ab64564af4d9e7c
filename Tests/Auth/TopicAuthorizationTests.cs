using System.Net;
using System.Text;
using GrainStream.Tests.Api;

namespace GrainStream.Tests.Auth;

/// <summary>In the Jwt mode every /api call needs a token whose publish (POST) or subscribe (GET)
/// claim covers the topic it touches; 401 and 403 are problems.</summary>
public sealed class TopicAuthorizationTests(JwtFixture fixture) : IClassFixture<JwtFixture>
{
    private ApiHost Host => fixture.Host;

    private static object Message(string author) => new { author, text = "hello" };

    [Fact]
    public async Task A_request_without_a_token_is_401_with_WWW_Authenticate()
    {
        using var response = await Host.PostAsync($"/api/chat/rooms/{ApiHost.NewKey("r")}/messages", null, Message("ada"));
        var problem = await ApiHost.ReadProblem(response, 401);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
        Assert.Contains("token", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_event_stream_without_a_token_is_401()
    {
        using var response = await SseClient.SendAsync(Host.Client, "/api/stocks/ACME/events");
        await ApiHost.ReadProblem(response, 401);
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_401()
    {
        var token = Host.Token("ada", publish: "*");
        var forged = token[..(token.LastIndexOf('.') + 1)] + Convert.ToBase64String(new byte[32]).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        using var response = await Host.PostAsync($"/api/chat/rooms/{ApiHost.NewKey("r")}/messages", forged, Message("ada"));
        await ApiHost.ReadProblem(response, 401);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEifQ.")]
    public async Task A_malformed_or_unsigned_token_is_401_not_500(string token)
    {
        using (var header = await Host.GetAsync("/api/stocks/ACME", token)) await ApiHost.ReadProblem(header, 401);
        using (var query = await SseClient.SendAsync(Host.Client, $"/api/stocks/ACME/events?access_token={Uri.EscapeDataString(token)}")) await ApiHost.ReadProblem(query, 401);
    }

    [Fact]
    public async Task A_token_without_a_subject_is_401()
    {
        var token = Host.Token("ada", subscribe: "*");
        // Re-signing is not possible here, so mint through the handler without a subject.
        var issuer = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler();
        var unnamed = issuer.CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = "grainstream",
            Audience = "grainstream",
            Expires = DateTime.UtcNow.AddMinutes(5),
            Claims = new Dictionary<string, object> { ["subscribe"] = "*" },
            SigningCredentials = new(new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Encoding.UTF8.GetBytes(JwtHost.SigningKey)), "HS256"),
        });
        using (var named = await Host.GetAsync("/api/stocks/ACME", token)) Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        using var response = await Host.GetAsync("/api/stocks/ACME", unnamed);
        var problem = await ApiHost.ReadProblem(response, 401);
        Assert.Contains("subject", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_malformed_topic_is_still_400_with_a_token()
    {
        var token = Host.Token("ada", subscribe: "*");
        using var response = await SseClient.SendAsync(Host.Client, $"/api/events?topic=nonsense&access_token={token}");
        await ApiHost.ReadProblem(response, 400);
    }

    [Fact]
    public async Task An_expired_token_is_401()
    {
        // Beyond the default clock skew of 30 s.
        var token = Host.Token("ada", publish: "*", lifetime: TimeSpan.FromMinutes(-2));
        using var response = await Host.PostAsync($"/api/chat/rooms/{ApiHost.NewKey("r")}/messages", token, Message("ada"));
        var problem = await ApiHost.ReadProblem(response, 401);
        Assert.Contains("expired", problem["detail"]!.GetValue<string>());
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Posting_without_a_publish_claim_for_the_room_is_403()
    {
        var room = ApiHost.NewKey("r");
        var token = Host.Token("ada", publish: "chat:elsewhere stock:*", subscribe: $"chat:{room}");
        using var response = await Host.PostAsync($"/api/chat/rooms/{room}/messages", token, Message("ada"));
        var problem = await ApiHost.ReadProblem(response, 403);
        Assert.Contains($"chat:{room}", problem["detail"]!.GetValue<string>());
        Assert.Contains("publish", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_wildcard_publish_claim_covers_every_room_and_subscribe_covers_reads_only()
    {
        var room = ApiHost.NewKey("r");
        var writer = Host.Token("ada", publish: "chat:*");
        using (var posted = await Host.PostAsync($"/api/chat/rooms/{room}/messages", writer, Message("ada"))) Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        // Publishing does not imply reading.
        using (var read = await Host.GetAsync($"/api/chat/rooms/{room}/messages", writer)) await ApiHost.ReadProblem(read, 403);

        var reader = Host.Token("bob", subscribe: $"chat:{room}");
        using (var read = await Host.GetAsync($"/api/chat/rooms/{room}/messages", reader)) Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using (var posted = await Host.PostAsync($"/api/chat/rooms/{room}/messages", reader, Message("bob"))) await ApiHost.ReadProblem(posted, 403);
    }

    [Fact]
    public async Task The_token_is_read_from_the_header_the_cookie_or_the_access_token_query()
    {
        var token = Host.Token("ada", subscribe: "stock:ACME");
        using (var header = await Host.GetAsync("/api/stocks/ACME", token)) Assert.Equal(HttpStatusCode.OK, header.StatusCode);
        using (var cookie = await Host.SendAsync(HttpMethod.Get, "/api/stocks/ACME", null, configure: r => r.Headers.Add("Cookie", $"grainstream_token={token}")))
        {
            Assert.Equal(HttpStatusCode.OK, cookie.StatusCode);
        }
        using (var query = await Host.GetAsync($"/api/stocks/ACME?access_token={token}", null)) Assert.Equal(HttpStatusCode.OK, query.StatusCode);
        await using var stream = await Host.OpenStreamAsync("/api/stocks/ACME/events", token);
        using (var other = await Host.GetAsync("/api/stocks/GLOBEX", token)) await ApiHost.ReadProblem(other, 403);
    }

    [Fact]
    public async Task The_chat_author_is_the_token_subject()
    {
        var room = ApiHost.NewKey("r");
        var token = Host.Token("ada", publish: $"chat:{room}", subscribe: $"chat:{room}");
        using (var impostor = await Host.PostAsync($"/api/chat/rooms/{room}/messages", token, Message("bob")))
        {
            var problem = await ApiHost.ReadProblem(impostor, 403);
            Assert.Contains("'author' is 'bob'", problem["detail"]!.GetValue<string>());
            Assert.Contains("'ada'", problem["detail"]!.GetValue<string>());
        }
        using (var posted = await Host.PostAsync($"/api/chat/rooms/{room}/messages", token, Message("ada")))
        {
            var message = await ApiHost.Read(posted, HttpStatusCode.Created);
            Assert.Equal("ada", message["author"]!.GetValue<string>());
        }
        using (var receipt = await Host.PostAsync($"/api/chat/rooms/{room}/read", token, new { user = "bob", upTo = 1 })) await ApiHost.ReadProblem(receipt, 403);
        using (var receipt = await Host.PostAsync($"/api/chat/rooms/{room}/read", token, new { user = "ada", upTo = 1 })) Assert.Equal(HttpStatusCode.NoContent, receipt.StatusCode);
    }

    [Fact]
    public async Task The_presence_user_is_the_token_subject()
    {
        var room = ApiHost.NewKey("r");
        var token = Host.Token("ada", subscribe: $"chat:{room}");
        using (var impostor = await SseClient.SendAsync(Host.Client, $"/api/chat/rooms/{room}/events?user=bob&access_token={token}")) await ApiHost.ReadProblem(impostor, 403);
        await using var stream = await Host.OpenStreamAsync($"/api/chat/rooms/{room}/events?user=ada", token);
        var presence = (await stream.NextOfTypeAsync("presence")).Json();
        Assert.Equal("ada", presence["user"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_queue_consumer_other_than_the_subject_is_refused()
    {
        var queue = ApiHost.NewKey("q");
        var token = Host.Token("c1", publish: $"queue:{queue}", subscribe: $"queue:{queue}");
        using (var impostor = await SseClient.SendAsync(Host.Client, $"/api/queues/{queue}/events?consumer=c2&access_token={token}")) await ApiHost.ReadProblem(impostor, 403);
        using (var ack = await Host.PostAsync($"/api/queues/{queue}/ack", token, new { consumer = "c2", ids = new[] { 1 } })) await ApiHost.ReadProblem(ack, 403);

        await using var stream = await Host.OpenStreamAsync($"/api/queues/{queue}/events?consumer=c1", token);
        using (var enqueued = await Host.PostAsync($"/api/queues/{queue}/messages", token, new { body = new { n = 1 } })) Assert.Equal(HttpStatusCode.Created, enqueued.StatusCode);
        var delivered = (await stream.NextOfTypeAsync("message")).Json();
        // With tokens, a delivery is acknowledged by its receipt, never by naming an id.
        using (var byId = await Host.PostAsync($"/api/queues/{queue}/ack", token, new { consumer = "c1", ids = new[] { delivered["id"]!.GetValue<long>() } })) await ApiHost.ReadProblem(byId, 400);
        using (var ack = await Host.PostAsync($"/api/queues/{queue}/ack", token, new { consumer = "c1", receipts = new[] { delivered["receipt"]!.GetValue<string>() } })) Assert.Equal(HttpStatusCode.NoContent, ack.StatusCode);
    }

    [Fact]
    public async Task The_multiplexed_stream_refuses_a_topic_outside_the_claims()
    {
        var token = Host.Token("ada", subscribe: "chat:* stock:ACME");
        using var refused = await SseClient.SendAsync(Host.Client, $"/api/events?topic=chat:lobby&topic=stock:ACME&topic=stock:HOOLI&access_token={token}");
        var problem = await ApiHost.ReadProblem(refused, 403);
        Assert.Contains("'stock:HOOLI'", problem["detail"]!.GetValue<string>());

        await using var stream = await Host.OpenStreamAsync("/api/events?topic=chat:lobby&topic=stock:ACME", token);
    }

    [Fact]
    public async Task A_multiplexed_queue_consumer_needs_the_queue_claim_and_must_be_the_subject()
    {
        var queue = ApiHost.NewKey("q");
        var token = Host.Token("c1", subscribe: $"queue:{queue}");
        using (var other = await SseClient.SendAsync(Host.Client, $"/api/events?topic=queue:{queue}/c2&access_token={token}")) await ApiHost.ReadProblem(other, 403);
        using (var elsewhere = await SseClient.SendAsync(Host.Client, $"/api/events?topic=queue:other/c1&access_token={token}")) await ApiHost.ReadProblem(elsewhere, 403);
        await using var stream = await Host.OpenStreamAsync($"/api/events?topic=queue:{queue}/c1", token);
    }

    [Fact]
    public async Task A_worker_claims_with_publish_on_the_task_queue_and_reports_with_publish_on_its_tasks()
    {
        var queue = ApiHost.NewKey("tq");
        var client = Host.Token("app", publish: $"tasks:{queue}", subscribe: "task:*");
        using var created = await Host.PostAsync("/api/tasks", client, new { type = "report.build", queue });
        var id = (await ApiHost.Read(created, HttpStatusCode.Created))["id"]!.GetValue<string>();
        using (var elsewhere = await Host.PostAsync("/api/tasks", client, new { type = "report.build" })) await ApiHost.ReadProblem(elsewhere, 403);
        using (var read = await Host.GetAsync($"/api/tasks/{id}", client)) Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        // Creating does not give the right to change the task afterwards.
        using (var cancel = await Host.PostAsync($"/api/tasks/{id}/cancel", client)) await ApiHost.ReadProblem(cancel, 403);

        var claimOnly = Host.Token("w1", publish: $"tasks:{queue}");
        string leaseToken;
        using (var claimed = await Host.PostAsync("/api/tasks/claim", claimOnly, new { worker = "w1", queue }))
        {
            var task = await ApiHost.Read(claimed, HttpStatusCode.OK);
            Assert.Equal(id, task["id"]!.GetValue<string>());
            leaseToken = task["leaseToken"]!.GetValue<string>();
        }
        using (var report = await Host.PostAsync($"/api/tasks/{id}/complete", claimOnly, new { worker = "w1", leaseToken })) await ApiHost.ReadProblem(report, 403);

        var worker = Host.Token("w1", publish: $"tasks:{queue} task:*");
        using (var report = await Host.PostAsync($"/api/tasks/{id}/complete", worker, new { worker = "w1", leaseToken })) Assert.Equal(HttpStatusCode.NoContent, report.StatusCode);
    }

    [Fact]
    public async Task A_log_append_needs_publish_on_the_log_and_a_tail_subscribe()
    {
        var token = Host.Token("ada", publish: "log:app.log", subscribe: "log:app.*");
        using (var denied = await Host.SendAsync(HttpMethod.Post, "/api/logs/other.log/lines", token, configure: r => r.Content = new StringContent("x", Encoding.UTF8, "text/plain")))
        {
            await ApiHost.ReadProblem(denied, 403);
        }
        using (var appended = await Host.SendAsync(HttpMethod.Post, "/api/logs/app.log/lines", token, configure: r => r.Content = new StringContent("hello", Encoding.UTF8, "text/plain")))
        {
            Assert.Equal(HttpStatusCode.Accepted, appended.StatusCode);
        }
        await using var tail = await Host.OpenStreamAsync("/api/logs/app.log/events?tail=10", token);
        Assert.Equal("hello", (await tail.NextOfTypeAsync("line")).Json()["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Health_the_demo_page_and_auth_config_stay_anonymous()
    {
        using (var live = await Host.Client.GetAsync("/health/live")) Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using (var ready = await Host.Client.GetAsync("/health/ready")) Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using (var page = await Host.Client.GetAsync("/")) Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using (var script = await Host.Client.GetAsync("/app.js")) Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        var config = await Host.GetJsonAsync("/auth/config");
        Assert.Equal("Jwt", config["mode"]!.GetValue<string>());
        Assert.True(config["devTokens"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_development_token_works_for_its_subject()
    {
        using var minted = await Host.PostJsonAsync("/auth/dev-token", new { subject = "ada", publish = new[] { "chat:*" } });
        var body = await ApiHost.Read(minted, HttpStatusCode.OK);
        var token = body["token"]!.GetValue<string>();
        Assert.Equal("ada", body["subject"]!.GetValue<string>());
        var room = ApiHost.NewKey("r");
        using (var posted = await Host.PostAsync($"/api/chat/rooms/{room}/messages", token, Message("ada"))) Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        using (var quote = await Host.PostAsync("/api/stocks/ACME/quotes", token, new { price = 1.5 })) await ApiHost.ReadProblem(quote, 403);
        using (var bad = await Host.PostJsonAsync("/auth/dev-token", new { subject = "../x" })) await ApiHost.ReadProblem(bad, 400);
    }
}
