using System.Net;
using System.Text;
using GrainStream.Tests.Api;

namespace GrainStream.Tests.Auth;

/// <summary>Browsers: a state-changing request from a page of another origin is refused unless
/// <c>Cors:AllowedOrigins</c> lists it; CORS answers only for listed origins.</summary>
public sealed class OriginCheckTests(OriginCheckTests.Fixture fixture) : IClassFixture<OriginCheckTests.Fixture>
{
    public sealed class Fixture : ApiFixture
    {
        protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Cors:AllowedOrigins:0"] = "https://app.example.com",
        };
    }

    private ApiHost Host => fixture.Host;

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? origin, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (origin is not null) request.Headers.Add("Origin", origin);
        return Host.Client.SendAsync(request);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_cross_origin_post_is_refused()
    {
        var room = ApiHost.NewKey("o");
        using var response = await SendAsync(HttpMethod.Post, $"/api/chat/rooms/{room}/messages", "https://evil.example", Json("{\"author\":\"a\",\"text\":\"x\"}"));
        var problem = await ApiHost.ReadProblem(response, 403);
        Assert.Contains("https://evil.example", problem["detail"]!.GetValue<string>());
        Assert.Equal(0, (await Host.GetJsonAsync($"/api/chat/rooms/{room}"))["messageCount"]?.GetValue<long>() ?? 0);
    }

    [Fact]
    public async Task A_cross_origin_text_plain_log_append_and_a_bodiless_cancel_are_refused()
    {
        using (var append = await SendAsync(HttpMethod.Post, "/api/logs/origin.log/lines", "http://evil.example", new StringContent("x", Encoding.UTF8, "text/plain")))
        {
            await ApiHost.ReadProblem(append, 403);
        }
        Assert.False(File.Exists(Path.Combine(Host.LogRoot, "origin.log")));
        using (var cancel = await SendAsync(HttpMethod.Post, "/api/tasks/abc/cancel", "null")) await ApiHost.ReadProblem(cancel, 403);
    }

    [Fact]
    public async Task Same_origin_allowed_origin_and_no_origin_pass()
    {
        var room = ApiHost.NewKey("o");
        var path = $"/api/chat/rooms/{room}/messages";
        using (var same = await SendAsync(HttpMethod.Post, path, Host.BaseAddress.GetLeftPart(UriPartial.Authority), Json("{\"author\":\"a\",\"text\":\"x\"}")))
        {
            Assert.Equal(HttpStatusCode.Created, same.StatusCode);
        }
        using (var allowed = await SendAsync(HttpMethod.Post, path, "https://app.example.com", Json("{\"author\":\"a\",\"text\":\"y\"}")))
        {
            Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
            Assert.Equal("https://app.example.com", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }
        using (var none = await SendAsync(HttpMethod.Post, path, null, Json("{\"author\":\"a\",\"text\":\"z\"}"))) Assert.Equal(HttpStatusCode.Created, none.StatusCode);
        // A cross-origin GET is not refused: the browser withholds the answer from an unlisted origin (no CORS header).
        using var read = await SendAsync(HttpMethod.Get, $"/api/chat/rooms/{room}", "https://evil.example");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.False(read.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_preflight_from_an_allowed_origin_is_answered()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/api/chat/rooms/lobby/messages");
        request.Headers.Add("Origin", "https://app.example.com");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,authorization");
        using var response = await Host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("https://app.example.com", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }
}
