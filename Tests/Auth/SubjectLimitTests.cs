using System.Net;
using GrainStream.Tests.Api;

namespace GrainStream.Tests.Auth;

/// <summary>In the Jwt mode the per-client limits count per token subject, not per address.</summary>
public sealed class SubjectLimitTests
{
    [Fact]
    public async Task Each_subject_has_a_rate_limit_bucket_of_its_own_on_one_address()
    {
        await using var host = await JwtHost.StartAsync(new Dictionary<string, string?>
        {
            ["Api:RateLimit:PostsPerSecond"] = "1",
            ["Api:RateLimit:Burst"] = "2",
        });
        var room = ApiHost.NewKey("rate");
        var ada = host.Token("ada", publish: "chat:*");
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 20 && refused is null; i++)
        {
            var response = await host.PostAsync($"/api/chat/rooms/{room}/messages", ada, new { author = "ada", text = $"m{i}" });
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else using (response) Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        Assert.NotNull(refused);
        refused.Dispose();

        // Same address, another subject: a full bucket.
        using var bob = await host.PostAsync($"/api/chat/rooms/{room}/messages", host.Token("bob", publish: "chat:*"), new { author = "bob", text = "hi" });
        Assert.Equal(HttpStatusCode.Created, bob.StatusCode);
    }
}
