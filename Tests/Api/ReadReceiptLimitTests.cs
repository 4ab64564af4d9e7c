using System.Net;

namespace GrainStream.Tests.Api;

/// <summary>A room keeps the read receipts of at most <c>Chat:MaxReadReceipts</c> users: those whose
/// receipts moved most recently, also across a restart.</summary>
public sealed class ReadReceiptLimitTests
{
    [Fact]
    public async Task A_room_keeps_the_receipts_of_the_users_who_read_most_recently()
    {
        await using var host = await ApiHost.StartAsync(new Dictionary<string, string?> { ["Chat:MaxReadReceipts"] = "2" });
        var room = ApiHost.NewKey("receipts");
        for (var i = 0; i < 3; i++)
        {
            using var posted = await host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "ada", text = $"m{i}" });
            Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        }
        await ReadAsync(host, room, "ada", 1);
        await ReadAsync(host, room, "bob", 1);
        await ReadAsync(host, room, "ada", 2); // ada is now the more recent of the two

        await host.RestartAsync();
        await ReadAsync(host, room, "cy", 3);

        var receipts = (await host.GetJsonAsync($"/api/chat/rooms/{room}"))["readReceipts"]!.AsObject();
        Assert.Equal(["ada", "cy"], receipts.Select(r => r.Key).Order());
        Assert.Equal((2, 3), (receipts["ada"]!.GetValue<long>(), receipts["cy"]!.GetValue<long>()));
    }

    private static async Task ReadAsync(ApiHost host, string room, string user, long upTo)
    {
        using var response = await host.PostJsonAsync($"/api/chat/rooms/{room}/read", new { user, upTo });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }
}
