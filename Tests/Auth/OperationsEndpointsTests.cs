using System.Net;
using GrainStream.Tests.Api;

namespace GrainStream.Tests.Auth;

/// <summary>In the Jwt mode the operations endpoints need a token that may subscribe to their topic.</summary>
public sealed class OperationsEndpointsTests(JwtFixture fixture) : IClassFixture<JwtFixture>
{
    private ApiHost Host => fixture.Host;

    [Theory]
    [InlineData("/metrics", "ops:metrics")]
    [InlineData("/dashboard/", "ops:dashboard")]
    public async Task An_operations_endpoint_needs_a_token_with_its_topic(string path, string topic)
    {
        using (var anonymous = await Host.GetAsync(path, token: null)) Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using (var user = await Host.GetAsync(path, Host.Token("ada", subscribe: "chat:* stock:*"))) Assert.Equal(HttpStatusCode.Forbidden, user.StatusCode);
        using (var other = await Host.GetAsync(path, Host.Token("ops", subscribe: topic == "ops:metrics" ? "ops:dashboard" : "ops:metrics"))) Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);

        using var allowed = await Host.GetAsync(path, Host.Token("ops", subscribe: topic));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        using var operatorToken = await Host.GetAsync(path, Host.Token("ops", subscribe: "ops:*"));
        Assert.Equal(HttpStatusCode.OK, operatorToken.StatusCode);
    }
}
