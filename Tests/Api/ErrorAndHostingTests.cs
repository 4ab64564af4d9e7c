using System.Net;
using System.Net.Http.Headers;
using System.Text;
using GrainStream.Api.Hosting;
using GrainStream.Api.Sse;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;

namespace GrainStream.Tests.Api;

public sealed class ErrorAndHostingTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private ApiHost Host => fixture.Host;

    /// <summary>After every refusal the server still serves.</summary>
    private async Task AssertStillServingAsync()
    {
        using var response = await Host.PostJsonAsync($"/api/chat/rooms/{ApiHost.NewKey("ok")}/messages", new { author = "a", text = "fine" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("{\"author\":\"a\",\"text\":")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"author\":1,\"text\":\"x\"}")]
    [InlineData("")]
    public async Task Malformed_json_is_400(string body)
    {
        using var response = await Host.PostRawAsync($"/api/chat/rooms/{ApiHost.NewKey("r")}/messages", body, "application/json");
        await ApiHost.ReadProblem(response, 400);
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task A_wrong_content_type_on_a_json_endpoint_is_415(string contentType)
    {
        using var response = await Host.PostRawAsync($"/api/chat/rooms/{ApiHost.NewKey("r")}/messages", "{\"author\":\"a\",\"text\":\"b\"}", contentType);
        await ApiHost.ReadProblem(response, 415);
        using var noType = await Host.Client.PostAsync($"/api/tasks", new ByteArrayContent(Encoding.UTF8.GetBytes("{\"type\":\"t\"}")));
        await ApiHost.ReadProblem(noType, 415);
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_oversized_body_is_413(bool chunked)
    {
        var big = "{\"author\":\"a\",\"text\":\"" + new string('x', 1100 * 1024) + "\"}";
        HttpContent content = chunked
            ? new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)))
            : new StringContent(big, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (chunked) content.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/chat/rooms/{ApiHost.NewKey("r")}/messages") { Content = content };
        if (chunked) request.Headers.TransferEncodingChunked = true;
        // With a Content-Length the server answers before reading; Expect: 100-continue keeps the
        // client from writing a body the server will not read (else the client sees a broken pipe).
        else request.Headers.ExpectContinue = true;
        using var response = await Host.Client.SendAsync(request);
        await ApiHost.ReadProblem(response, 413);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task An_oversized_log_append_is_413()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/logs/{ApiHost.NewKey("big")}.log/lines")
        {
            Content = new StringContent(new string('y', 1100 * 1024), Encoding.UTF8, "text/plain"),
        };
        request.Headers.ExpectContinue = true;
        using var response = await Host.Client.SendAsync(request);
        await ApiHost.ReadProblem(response, 413);
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData("/api/chat/rooms/a%2Fb/messages")]
    [InlineData("/api/chat/rooms/a%20b")]
    [InlineData("/api/stocks/%24%24/events")]
    [InlineData("/api/queues/a:b")]
    [InlineData("/api/tasks/not%2Fa%2Ftask")]
    [InlineData("/api/chat/rooms/ok/events?user=")]
    [InlineData("/api/chat/rooms/ok/events?user=a%2Fb")]
    [InlineData("/api/chat/rooms/ok/events?user=a&user=b")]
    public async Task Bad_keys_are_400_problems_naming_the_parameter(string path)
    {
        using var response = await Host.Client.GetAsync(path);
        var problem = await ApiHost.ReadProblem(response, 400);
        Assert.NotNull(problem["errors"]);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task A_key_of_129_characters_is_400_and_of_128_is_fine()
    {
        using (var tooLong = await Host.Client.GetAsync($"/api/chat/rooms/{new string('k', 129)}")) await ApiHost.ReadProblem(tooLong, 400);
        using var fine = await Host.Client.GetAsync($"/api/chat/rooms/{new string('k', 128)}");
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public void Every_event_stream_endpoint_and_only_those_pass_the_bare_status_middleware_untouched()
    {
        var endpoints = Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var streams = endpoints.Where(e => e.Metadata.GetMetadata<EventStreamEndpoint>() is not null).Select(e => e.RoutePattern.RawText).Order().ToList();
        Assert.Equal(
            ["/api/chat/rooms/{room}/events", "/api/events/", "/api/logs/{name}/events", "/api/queues/{queue}/events", "/api/stocks/{symbol}/events", "/api/tasks/{id}/events"],
            streams);
    }

    [Fact]
    public async Task Unknown_routes_and_methods_are_problems()
    {
        using (var missing = await Host.Client.GetAsync("/api/nothing/here")) await ApiHost.ReadProblem(missing, 404);
        using (var method = await Host.Client.DeleteAsync("/api/chat/rooms/lobby")) await ApiHost.ReadProblem(method, 405);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Health_and_the_demo_page_are_served_and_OpenAPI_only_when_enabled()
    {
        using (var live = await Host.Client.GetAsync("/health/live")) Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("ready", (await Host.GetJsonAsync("/health/ready"))["status"]!.GetValue<string>());
        // Outside Development the document is served only with Api:OpenApi=true.
        using (var hidden = await Host.Client.GetAsync("/openapi/v1.json")) await ApiHost.ReadProblem(hidden, 404);

        await using var described = await ApiHost.StartAsync(new Dictionary<string, string?> { ["Api:OpenApi"] = "true" });
        var openApi = await described.GetJsonAsync("/openapi/v1.json");
        var paths = openApi["paths"]!.AsObject().Select(p => p.Key).ToList();
        foreach (var path in new[] { "/api/chat/rooms/{room}/messages", "/api/stocks/{symbol}/quotes", "/api/tasks", "/api/tasks/claim", "/api/tasks/{id}/events", "/api/logs/{name}/lines", "/api/queues/{queue}/ack", "/api/events" })
        {
            Assert.Contains(path, paths);
        }

        Assert.Contains("/auth/config", paths);

        using var page = await Host.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public void Client_mode_without_a_database_says_Cluster_Postgres_is_required()
    {
        var error = Assert.Throws<InvalidOperationException>(() => GrainStreamApi.CreateBuilder(
            new WebApplicationOptions { Args = ["--GrainStream:Mode=Client", "--hostBuilder:reloadConfigOnChange=false"] }));
        Assert.Contains("Cluster:Postgres", error.Message);
    }

    [Fact]
    public void Client_mode_with_a_malformed_connection_string_says_so()
    {
        var error = Assert.Throws<InvalidOperationException>(() => GrainStreamApi.CreateBuilder(
            new WebApplicationOptions { Args = ["--GrainStream:Mode=Client", "--Cluster:Postgres=Host=x;NoSuchKey=1", "--hostBuilder:reloadConfigOnChange=false"] }));
        Assert.Contains("not an Npgsql connection string", error.Message);
    }
}
