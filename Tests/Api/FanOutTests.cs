using System.Net;
using GrainStream.Api.Sse;
using GrainStream.Grains.Chat;
using GrainStream.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Api;

public sealed class FanOutTests(SmallHistoryFixture fixture) : IClassFixture<SmallHistoryFixture>
{
    private ApiHost Host => fixture.Host;

    [Fact]
    public async Task A_fan_out_over_several_slices_delivers_consecutive_events_to_every_connection_once_and_in_order()
    {
        var room = ApiHost.NewKey("slices");
        const int connections = SseWakeBatch.SliceSize * 2 + 9;
        var clients = new List<SseClient>();
        try
        {
            for (var i = 0; i < connections; i++) clients.Add(await SseClient.OpenAsync(Host.Client, $"/api/chat/rooms/{room}/events"));
            for (var i = 0; i < 5; i++)
            {
                using var response = await Host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "s", text = $"m{i}" });
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }

            foreach (var client in clients)
            {
                var texts = new List<string>();
                for (var i = 0; i < 5; i++) texts.Add(System.Text.Json.JsonDocument.Parse((await client.NextOfTypeAsync("message")).Data).RootElement.GetProperty("text").GetString()!);
                Assert.Equal(["m0", "m1", "m2", "m3", "m4"], texts);
            }
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Many_connections_to_one_stream_share_one_upstream_subscription_and_get_the_same_frame()
    {
        var room = ApiHost.NewKey("fan");
        var hub = Host.Services.GetRequiredService<StreamRelayHub>();
        var clients = new List<SseClient>();
        try
        {
            for (var i = 0; i < 20; i++) clients.Add(await SseClient.OpenAsync(Host.Client, $"/api/chat/rooms/{room}/events"));
            var relay = hub.Find(ChatStreams.Room(room));
            Assert.NotNull(relay);
            Assert.Equal(20, relay.SubscriberCount);

            using (var response = await Host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "f", text = "to all" }))
            {
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }
            var received = await Task.WhenAll(clients.Select(c => c.NextOfTypeAsync("message")));
            Assert.Single(received.Select(e => (e.EventId, e.Data)).Distinct());
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }

        // The last one out: the relay lingers briefly, then unsubscribes.
        await Eventually.TrueAsync(() => hub.Find(ChatStreams.Room(room)) is null, "the relay disposed after its linger");
    }
}
