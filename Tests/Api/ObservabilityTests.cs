using System.Net;
using GrainStream.Api.Sse;
using GrainStream.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Api;

/// <summary>Metrics at <c>/metrics</c> and the dashboard, on the embedded host.</summary>
public sealed class ObservabilityTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private const string Connections = "grainstream_sse_connections";

    private ApiHost Host => fixture.Host;

    private async Task PostAsync(string room, string text)
    {
        using var response = await Host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "ops", text });
        await ApiHost.Read(response, HttpStatusCode.Created);
    }

    [Fact]
    public async Task Metrics_are_prometheus_text_with_orleans_aspnetcore_and_sse_series_once_a_client_received_an_event()
    {
        var room = ApiHost.NewKey("metrics");
        await using (var events = await SseClient.OpenAsync(Host.Client, $"/api/chat/rooms/{room}/events"))
        {
            await PostAsync(room, "hello");
            Assert.Equal("message", (await events.NextAsync("the message")).EventType);
        }

        PrometheusText scrape = null!;
        await Eventually.TrueAsync(async () =>
        {
            scrape = await PrometheusText.ScrapeAsync(Host.Client);
            return scrape.Value("grainstream_sse_events_delivered_total") >= 1 && scrape.Samples("http_server_request_duration_seconds").Any();
        }, "GrainStream's delivered counter and ASP.NET Core's request duration in /metrics");
        Assert.NotEmpty(scrape.Samples("orleans_"));
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", scrape.Text);
        Assert.True(scrape.Value("grainstream_relay_events_received_total") >= 1, scrape.Text);
        Assert.True(scrape.Value("grainstream_eventlog_append_duration_seconds_count") >= 1, scrape.Text);
        Assert.NotNull(scrape.Value(Connections));
    }

    [Fact]
    public async Task Metrics_include_the_runtime_collector_and_thread_pool()
    {
        var scrape = await PrometheusText.ScrapeAsync(Host.Client);

        foreach (var generation in new[] { "gen0", "gen1", "gen2" })
        {
            Assert.Contains(scrape.Samples("dotnet_gc_collections_total"), sample => sample.Contains($"gc_heap_generation=\"{generation}\"", StringComparison.Ordinal));
        }
        Assert.NotNull(scrape.Value("dotnet_gc_pause_time_seconds_total"));
        Assert.NotNull(scrape.Value("dotnet_thread_pool_queue_length"));
        Assert.True(scrape.Value("dotnet_thread_pool_thread_count") >= 1, scrape.Text);
    }

    [Fact]
    public async Task The_open_connections_gauge_counts_a_client_while_it_is_connected_and_returns_when_it_leaves()
    {
        // The gauge is this host's (its meter is scoped to the host), so it must equal the streams the
        // host's tracker holds: one more while the client is connected, back once it has left. Compared
        // with the tracker rather than a value read before, which a stream of an earlier test still
        // leaving the server would make wrong.
        var tracker = Host.Services.GetRequiredService<SseConnectionTracker>();
        double? gauge = null;
        async Task<bool> GaugeMatchesAsync(Func<int, bool> open)
        {
            gauge = (await PrometheusText.ScrapeAsync(Host.Client)).Value(Connections) ?? 0;
            var count = tracker.Count;
            return open(count) && gauge == count;
        }
        string Describe(string what) => $"{what} (gauge {gauge}, streams open on this host {tracker.Count})";

        var room = ApiHost.NewKey("gauge");
        int withClient;
        await using (var events = await SseClient.OpenAsync(Host.Client, $"/api/chat/rooms/{room}/events"))
        {
            await PostAsync(room, "here");
            await events.NextAsync("the message");
            await Eventually.TrueAsync(() => GaugeMatchesAsync(count => count >= 1), () => Describe("the gauge to count the client"));
            withClient = tracker.Count;
        }
        await Eventually.TrueAsync(() => GaugeMatchesAsync(count => count < withClient), () => Describe("the gauge to return without the client"));
    }

    [Fact]
    public async Task The_dashboard_answers_in_the_embedded_mode()
    {
        using var response = await Host.Client.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}
