using System.Net;
using GrainStream.Api.Limits;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Api;

/// <summary>Every POST is rate-limited per client (<c>Api:RateLimit:*</c>): beyond the bucket a 429
/// problem with <c>Retry-After</c>; GETs and other clients are not affected.</summary>
public sealed class PostRateLimitTests
{
    [Fact]
    public async Task Posting_more_than_the_rate_limit_gets_429_with_Retry_After()
    {
        await using var host = await ApiHost.StartAsync(new Dictionary<string, string?>
        {
            ["Api:RateLimit:PostsPerSecond"] = "1",
            ["Api:RateLimit:Burst"] = "3",
        });
        var room = ApiHost.NewKey("rate");

        // The bucket holds 3 and gains one a second: 20 posts in a row find it empty long before the end.
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 20 && refused is null; i++)
        {
            var response = await host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "ada", text = $"m{i}" });
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else using (response) Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        Assert.NotNull(refused);
        using (refused)
        {
            var problem = await ApiHost.ReadProblem(refused, 429);
            Assert.Contains("per second", problem["detail"]!.GetValue<string>());
            Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {refused.Headers.RetryAfter}");
        }

        // Other POST endpoints share the client's bucket; reads are never limited.
        using (var task = await host.PostJsonAsync("/api/tasks", new { type = "t" })) await ApiHost.ReadProblem(task, 429);
        using (var read = await host.Client.GetAsync($"/api/chat/rooms/{room}")) Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        // Another address has a bucket of its own.
        using var other = OtherClientAddress.For(host.BaseAddress);
        using var posted = await other.PostAsync($"/api/chat/rooms/{room}/messages", JsonContent("""{"author":"bo","text":"hi"}"""));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
    }

    [Fact]
    public async Task Every_POST_endpoint_is_rate_limited_and_no_other()
    {
        await using var host = await ApiHost.StartAsync();
        var endpoints = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var posts = endpoints.Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains("POST") == true).ToList();
        Assert.True(posts.Count >= 11, $"{posts.Count} POST endpoints");
        Assert.All(posts, e => Assert.Equal(PostRateLimiting.Policy, e.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName));
        Assert.All(endpoints.Except(posts), e => Assert.Null(e.Metadata.GetMetadata<EnableRateLimitingAttribute>()));
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void A_client_is_its_IPv4_address_or_its_IPv6_64_prefix(string remote, string key)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        Assert.Equal(key, ClientKey.Of(context));
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
