using System.Net;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Api;

/// <summary>The depth of the message queues at <c>/metrics</c>.</summary>
public sealed class QueueDepthMetricTests
{
    private const string Depth = "grainstream_queue_messages";

    [Fact]
    public async Task The_queue_depth_counts_what_is_enqueued_and_not_yet_acked()
    {
        await using var host = await ApiHost.StartAsync();
        var queue = ApiHost.NewKey("depth");
        for (var i = 0; i < 3; i++)
        {
            using var enqueued = await host.PostJsonAsync($"/api/queues/{queue}/messages", new { body = new { n = i } });
            await ApiHost.Read(enqueued, HttpStatusCode.Created);
        }
        await Eventually.TrueAsync(async () => (await PrometheusText.ScrapeAsync(host.Client)).Value(Depth) == 3, "a depth of 3 after three enqueues");

        await using var consumer = await SseClient.OpenAsync(host.Client, $"/api/queues/{queue}/events?consumer=c1");
        var delivered = (await consumer.NextOfTypeAsync("message")).Json();
        using (var ack = await host.PostJsonAsync($"/api/queues/{queue}/ack", new { consumer = "c1", receipts = new[] { delivered["receipt"]!.GetValue<string>() } }))
        {
            Assert.Equal(HttpStatusCode.NoContent, ack.StatusCode);
        }

        // In flight counts until acked; the acked one is gone.
        await Eventually.TrueAsync(async () => (await PrometheusText.ScrapeAsync(host.Client)).Value(Depth) == 2, "a depth of 2 after one ack");
    }
}
