using GrainStream.Grains;
using GrainStream.Grains.Chat;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Platform.Chat;

public sealed class ChatRoomCrashTests
{
    [Fact]
    public async Task Messages_posted_since_the_last_state_write_are_counted_after_the_room_silo_dies()
    {
        await using var cluster = await ClusterFactory.StartAsync(2, builder =>
        {
            builder.ConfigureEachSilo(silo =>
            {
                silo.Services.AddChatGrains(silo.Configuration);
                silo.Services.Configure<ChatOptions>(o => o.MessagesPerStateWrite = 4);
            });
        });
        var room = cluster.Client.GetGrain<IChatRoomGrain>("fragile");
        var posted = new List<ChatMessage>();
        // Six posts: the state was written after the fourth; the last two live only in the history.
        for (var i = 1; i <= 6; i++) posted.Add((await room.Post(new PostMessageCommand("alice", $"message {i}", $"c{i}"))).Message);

        await cluster.KillAndAwaitDeathAsync(cluster.SiloOf(room));

        var summary = await room.GetSummary();
        Assert.Equal((6L, posted[^1].Id), (summary.MessageCount, summary.LastId));
        Assert.False((await room.Post(new PostMessageCommand("alice", "again", "c6"))).Created);
        Assert.Equal(posted[^1].Id + 1, (await room.Post(new PostMessageCommand("alice", "next", "c7"))).Message.Id);
    }
}
