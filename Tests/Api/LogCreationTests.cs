using System.Net;

namespace GrainStream.Tests.Api;

/// <summary><c>Logs:AllowCreate</c> over HTTP: where creating log files is not allowed, an append to
/// a file that does not exist is 404 problem+json and creates nothing; existing files take appends.</summary>
public sealed class LogCreationTests
{
    [Fact]
    public async Task An_append_to_a_missing_log_is_404_where_creation_is_not_allowed()
    {
        await using var host = await ApiHost.StartAsync(new Dictionary<string, string?> { ["Logs:AllowCreate"] = "false" });
        await File.WriteAllTextAsync(Path.Combine(host.LogRoot, "existing.log"), "");

        using var missing = await host.PostRawAsync("/api/logs/missing.log/lines", "one\n", "text/plain");
        using var existing = await host.PostRawAsync("/api/logs/existing.log/lines", "one\n", "text/plain");

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.False(File.Exists(Path.Combine(host.LogRoot, "missing.log")));
        Assert.Equal(HttpStatusCode.Accepted, existing.StatusCode);
        Assert.Equal("one\n", await File.ReadAllTextAsync(Path.Combine(host.LogRoot, "existing.log")));
    }
}
