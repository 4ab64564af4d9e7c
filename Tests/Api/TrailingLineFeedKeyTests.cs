using GrainStream.Grains;
using GrainStream.Grains.Tasks;

namespace GrainStream.Tests.Api;

/// <summary>.NET's <c>$</c> also matches before a final line feed; the key and task-type patterns end
/// with <c>\z</c>, so <c>alice\n</c> is not a key, a user, a consumer or a task type.</summary>
public sealed class TrailingLineFeedKeyTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private ApiHost Host => fixture.Host;

    [Fact]
    public void A_name_ending_in_a_line_feed_is_not_a_key_or_a_task_type()
    {
        Assert.True(EntityKey.IsValid("alice"));
        Assert.False(EntityKey.IsValid("alice\n"));
        Assert.Throws<ArgumentException>(() => EntityKey.Require("alice\n", "user"));
        Assert.Equal("report.build", TaskRules.RequireType("report.build"));
        Assert.Throws<ArgumentException>(() => TaskRules.RequireType("report.build\n"));
    }

    [Theory]
    [InlineData("/api/chat/rooms/lobby%0A")]
    [InlineData("/api/chat/rooms/lobby/events?user=alice%0A")]
    [InlineData("/api/queues/jobs/events?consumer=c1%0A")]
    [InlineData("/api/events?topic=chat:lobby%0A")]
    public async Task A_key_user_or_consumer_ending_in_a_line_feed_is_400(string path)
    {
        // Headers only: without the check the event streams would open and stay open.
        using var response = await SseClient.SendAsync(Host.Client, path);
        await ApiHost.ReadProblem(response, 400);
    }

    [Fact]
    public async Task A_body_field_or_task_type_ending_in_a_line_feed_is_400()
    {
        var room = ApiHost.NewKey("lf");
        using (var posted = await Host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "ada", text = "hi" })) Assert.True(posted.IsSuccessStatusCode);
        using (var read = await Host.PostJsonAsync($"/api/chat/rooms/{room}/read", new { user = "alice\n", upTo = 1 })) await ApiHost.ReadProblem(read, 400);
        using (var task = await Host.PostJsonAsync("/api/tasks", new { type = "report.build\n" })) await ApiHost.ReadProblem(task, 400);
        using (var claim = await Host.PostJsonAsync("/api/tasks/claim", new { worker = "w1\n" })) await ApiHost.ReadProblem(claim, 400);
    }
}
