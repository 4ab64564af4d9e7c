using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace GrainStream.Tests.Api;

public sealed class LogApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private ApiHost Host => fixture.Host;

    private static (long N, string Text) Line(System.Net.ServerSentEvents.SseItem<string> item)
    {
        Assert.Equal("line", item.EventType);
        var json = item.Json();
        return (json["n"]!.GetValue<long>(), json["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Appended_lines_in_text_and_json_are_tailed_and_listed()
    {
        var name = ApiHost.NewKey("app") + ".log";
        // A tail needs the file to exist (an unknown log is 404).
        await File.WriteAllTextAsync(Path.Combine(Host.LogRoot, name), "");
        await using var tail = await SseClient.OpenAsync(Host.Client, $"/api/logs/{name}/events");

        using (var text = await Host.PostRawAsync($"/api/logs/{name}/lines", "one\r\ntwo\n", "text/plain"))
        {
            Assert.Equal(2, (await ApiHost.Read(text, HttpStatusCode.Accepted))["appended"]!.GetValue<int>());
        }
        using (var json = await Host.PostRawAsync($"/api/logs/{name}/lines", "[\"three\",\"\",\"five\"]", "application/json"))
        {
            Assert.Equal(3, (await ApiHost.Read(json, HttpStatusCode.Accepted))["appended"]!.GetValue<int>());
        }
        var lines = (await tail.TakeAsync(5, "tailed lines")).Select(Line).ToList();
        Assert.Equal([(1L, "one"), (2L, "two"), (3L, "three"), (4L, ""), (5L, "five")], lines);
        Assert.Equal("one\ntwo\nthree\n\nfive\n", await File.ReadAllTextAsync(Path.Combine(Host.LogRoot, name)));

        var listed = (await Host.GetJsonAsync("/api/logs")).AsArray();
        Assert.Contains(listed, f => f!["name"]!.GetValue<string>() == name && f["size"]!.GetValue<long>() > 0);
    }

    [Fact]
    public async Task Lines_written_by_another_process_appear()
    {
        var name = ApiHost.NewKey("ext") + ".log";
        var path = Path.Combine(Host.LogRoot, name);
        await File.WriteAllTextAsync(path, "");
        await using var tail = await SseClient.OpenAsync(Host.Client, $"/api/logs/{name}/events");

        using (var shell = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "printf 'from outside\\nsecond\\n' >> \"$0\"", path } })!)
        {
            await shell.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, shell.ExitCode);
        }
        var lines = (await tail.TakeAsync(2, "lines written by /bin/sh")).Select(Line).ToList();
        Assert.Equal([(1L, "from outside"), (2L, "second")], lines);
    }

    [Fact]
    public async Task Tail_replays_the_last_lines_then_follows()
    {
        var name = ApiHost.NewKey("tail") + ".log";
        using (var response = await Host.PostRawAsync($"/api/logs/{name}/lines", string.Join('\n', Enumerable.Range(1, 10).Select(i => $"l{i}")), "text/plain"))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        await using var tail = await SseClient.OpenAsync(Host.Client, $"/api/logs/{name}/events?tail=3");
        Assert.Equal(["l8", "l9", "l10"], (await tail.TakeAsync(3, "the tail")).Select(e => Line(e).Text));
        using (var response = await Host.PostRawAsync($"/api/logs/{name}/lines", "l11", "text/plain"))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        Assert.Equal((11L, "l11"), Line(await tail.NextAsync()));
    }

    [Fact]
    public async Task Truncation_is_announced_as_rotated()
    {
        var name = ApiHost.NewKey("rot") + ".log";
        var path = Path.Combine(Host.LogRoot, name);
        await File.WriteAllTextAsync(path, "a long first line\nsecond\n");
        await using var tail = await SseClient.OpenAsync(Host.Client, $"/api/logs/{name}/events?tail=10");
        await tail.TakeAsync(2, "the existing lines");
        await File.WriteAllTextAsync(path, "x\n");
        var rotated = await tail.NextOfTypeAsync("rotated");
        Assert.Equal(name, rotated.Json()["name"]!.GetValue<string>());
        Assert.Equal((1L, "x"), Line(await tail.NextOfTypeAsync("line")));
    }

    [Theory]
    [InlineData("..%2F..%2Fetc%2Fpasswd")]
    [InlineData("%2Fetc%2Fpasswd")]
    [InlineData("a%5Cb")]
    [InlineData("a%2Fb")]
    [InlineData("a%20b")]
    [InlineData("..")]
    [InlineData("%2E%2E")]
    [InlineData(".")]
    public async Task Path_traversal_is_refused_with_400(string name)
    {
        using (var get = await SendRawPathAsync($"/api/logs/{name}/events", HttpMethod.Get, null)) await ApiHost.ReadProblem(get, 400);
        using (var post = await SendRawPathAsync($"/api/logs/{name}/lines", HttpMethod.Post, new StringContent("x", System.Text.Encoding.UTF8, "text/plain"))) await ApiHost.ReadProblem(post, 400);
        Assert.False(File.Exists(Path.Combine(Host.Root, "x")));
        using var ok = await Host.Client.GetAsync("/api/logs");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    private async Task<HttpResponseMessage> SendRawPathAsync(string path, HttpMethod method, HttpContent? content)
    {
        // Sent exactly as written: HttpClient would otherwise resolve ".." and "." before the server sees them.
        var uri = new Uri(Host.BaseAddress + path.TrimStart('/'), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        return await Host.Client.SendAsync(request);
    }

    [Fact]
    public async Task Wrong_or_bad_bodies_are_problems()
    {
        var name = ApiHost.NewKey("bad") + ".log";
        using (var xml = await Host.PostRawAsync($"/api/logs/{name}/lines", "<a/>", "application/xml")) await ApiHost.ReadProblem(xml, 415);
        using (var notArray = await Host.PostRawAsync($"/api/logs/{name}/lines", "{\"a\":1}", "application/json")) await ApiHost.ReadProblem(notArray, 400);
        using (var broken = await Host.PostRawAsync($"/api/logs/{name}/lines", "[\"a\"", "application/json")) await ApiHost.ReadProblem(broken, 400);
        using (var newline = await Host.PostRawAsync($"/api/logs/{name}/lines", "[\"a\\nb\"]", "application/json")) await ApiHost.ReadProblem(newline, 400);
        using (var empty = await Host.PostRawAsync($"/api/logs/{name}/lines", "", "text/plain")) await ApiHost.ReadProblem(empty, 400);
        using (var tail = await Host.Client.GetAsync($"/api/logs/{name}/events?tail=10001")) await ApiHost.ReadProblem(tail, 400);
    }
}
