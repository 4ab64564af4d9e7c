using System.Diagnostics;
using System.Net;
using GrainStream.Tests.Api;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Auth;

/// <summary><c>scripts/token.sh</c> mints tokens the API accepts, with the claims it was given.</summary>
public sealed class TokenScriptTests(JwtFixture fixture) : IClassFixture<JwtFixture>
{
    private static async Task<string> MintAsync(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot.Find()!, "scripts", "token.sh"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["Auth__SigningKey"] = JwtHost.SigningKey;
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(process.ExitCode == 0, $"token.sh failed: {error}");
        return output.Trim();
    }

    [Fact]
    public async Task A_token_minted_by_the_script_is_accepted_for_its_patterns_only()
    {
        var room = ApiHost.NewKey("sh");
        var token = await MintAsync("-s", "ada", "-p", $"chat:{room} stock:ACME", "-S", "chat:*", "-l", "120");
        using (var posted = await fixture.Host.PostAsync($"/api/chat/rooms/{room}/messages", token, new { author = "ada", text = "from bash" }))
        {
            Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        }
        using (var read = await fixture.Host.GetAsync($"/api/chat/rooms/{room}/messages", token)) Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using (var other = await fixture.Host.PostAsync("/api/stocks/HOOLI/quotes", token, new { price = 2 })) await ApiHost.ReadProblem(other, 403);
    }
}
