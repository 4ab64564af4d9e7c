using GrainStream.Grains;
using GrainStream.Grains.Chat;
using GrainStream.Runtime.Hosting;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Platform.Chat;

public sealed class ChatRoomCrashTests
{
    [Fact]
    public async Task Messages_posted_since_the_last_state_write_are_counted_after_the_room_silo_dies()
    {
        await using var cluster = await ClusterFactory.StartAsync(2, builder =>
        {
            builder.ConfigureSilo(silo =>
            {
                silo.AddGrainJsonContext(GrainsJsonContext.Default);
                silo.Services.AddChatGrains(silo.Configuration);
                silo.Configure<ChatOptions>(o => o.MessagesPerStateWrite = 4);
            });
            builder.ConfigureClient(client => client.AddGrainJsonContext(GrainsJsonContext.Default));
        });
        var room = cluster.Client.GetGrain<IChatRoomGrain>("fragile");
        var posted = new List<ChatMessage>();
        // Six posts: the state was written after the fourth; the last two live only in the history.
        for (var i = 1; i <= 6; i++) posted.Add((await room.Post(new PostMessageCommand("alice", $"message {i}", $"c{i}"))).Message);

        var location = await cluster.Directory.LookupAsync(new GrainId("chatroom", "fragile"));
        await cluster.KillSiloAsync(cluster.Silos.Single(s => s.Silo.Address.Equals(location!.Silo)));
        await cluster.WaitForLivenessToStabilizeAsync();

        var summary = await room.GetSummary();
        Assert.Equal((6L, posted[^1].Id), (summary.MessageCount, summary.LastId));
        Assert.False((await room.Post(new PostMessageCommand("alice", "again", "c6"))).Created);
        Assert.Equal(posted[^1].Id + 1, (await room.Post(new PostMessageCommand("alice", "next", "c7"))).Message.Id);
    }
}
