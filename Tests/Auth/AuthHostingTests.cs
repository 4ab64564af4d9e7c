using System.Net;
using GrainStream.Api.Auth;
using GrainStream.Api.Hosting;
using GrainStream.Tests.Api;
using Microsoft.AspNetCore.Builder;

namespace GrainStream.Tests.Auth;

/// <summary>Configuration of the modes: Anonymous stays as it was, Jwt refuses to start without a key.</summary>
public sealed class AuthHostingTests
{
    private static WebApplicationBuilder Build(params string[] args)
        => GrainStreamApi.CreateBuilder(new WebApplicationOptions { Args = [.. args, "--hostBuilder:reloadConfigOnChange=false"] });

    [Fact]
    public void Jwt_mode_without_a_signing_key_refuses_to_start_saying_which_key()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build("--Auth:Mode=Jwt"));
        Assert.Contains("Auth:SigningKey", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Jwt_mode_with_a_short_signing_key_refuses_to_start()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build("--Auth:Mode=Jwt", "--Auth:SigningKey=short"));
        Assert.Contains("at least 32", error.Message);
    }

    [Fact]
    public async Task Anonymous_mode_needs_no_token_and_serves_no_development_tokens()
    {
        await using var host = await ApiHost.StartAsync();
        var room = ApiHost.NewKey("anon");
        await using var stream = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events?user=anyone");
        using (var posted = await host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "whoever", text = "hi" })) Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        Assert.Equal("whoever", (await stream.NextOfTypeAsync("message")).Json()["author"]!.GetValue<string>());
        Assert.Equal("Anonymous", (await host.GetJsonAsync("/auth/config"))["mode"]!.GetValue<string>());
        using (var dev = await host.PostJsonAsync("/auth/dev-token", new { subject = "ada" })) await ApiHost.ReadProblem(dev, 404);
    }

    [Fact]
    public async Task Development_tokens_are_off_by_default_in_the_Jwt_mode()
    {
        await using var host = await ApiHost.StartAsync(new Dictionary<string, string?> { ["Auth:Mode"] = "Jwt", ["Auth:SigningKey"] = JwtHost.SigningKey });
        using (var dev = await host.PostJsonAsync("/auth/dev-token", new { subject = "ada" })) await ApiHost.ReadProblem(dev, 404);
        Assert.False((await host.GetJsonAsync("/auth/config"))["devTokens"]!.GetValue<bool>());
    }

    [Fact]
    public async Task AllowedHosts_from_configuration_refuses_other_hosts_with_a_problem()
    {
        await using var host = await ApiHost.StartAsync(new Dictionary<string, string?> { ["AllowedHosts"] = "grainstream.example; *.grainstream.example" });
        async Task<HttpResponseMessage> GetAsHost(string name)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
            request.Headers.Host = name;
            return await host.Client.SendAsync(request);
        }

        using (var refused = await host.Client.GetAsync("/health/live"))
        {
            var problem = await ApiHost.ReadProblem(refused, 400);
            Assert.Equal("Host not allowed", problem["title"]!.GetValue<string>());
        }
        using (var refused = await GetAsHost("evil.example")) await ApiHost.ReadProblem(refused, 400);
        using (var allowed = await GetAsHost("grainstream.example")) Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        using (var allowed = await GetAsHost("api.grainstream.example:8443")) Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Theory]
    [InlineData("chat:*", "chat:lobby", true)]
    [InlineData("chat:*", "stock:ACME", false)]
    [InlineData("chat:team-*", "chat:team-a", true)]
    [InlineData("chat:team-*", "chat:lobby", false)]
    [InlineData("stock:ACME", "stock:ACME", true)]
    [InlineData("stock:ACME", "stock:ACMEX", false)]
    [InlineData("task:*", "tasks:default", false)]
    [InlineData("*", "queue:jobs", true)]
    [InlineData("c*", "chat:lobby", false)]
    [InlineData("", "chat:lobby", false)]
    public void Topic_patterns_match_a_topic_or_a_prefix_within_its_last_segment(string pattern, string topic, bool matches)
        => Assert.Equal(matches, TopicPattern.Matches(pattern, topic));
}
