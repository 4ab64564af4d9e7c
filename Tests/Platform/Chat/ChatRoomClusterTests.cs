using GrainStream.Grains.Chat;
using GrainStream.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace GrainStream.Tests.Platform.Chat;

/// <summary>A room on a three-silo cluster whose silos share one SQLite database.</summary>
public sealed class ChatRoomClusterTests
{
    private static Task<InProcessTestCluster> StartAsync() => GrainClusterFactory.StartAsync(silo =>
    {
        silo.Services.AddChatGrains(silo.Configuration);
        silo.Services.Configure<ChatOptions>(o => o.MessagesPerStateWrite = 3);
    }, silos: 3);

    [Fact]
    public async Task A_room_has_one_activation_under_concurrent_posts_from_every_silo_and_the_client()
    {
        await using var cluster = await StartAsync();
        var callers = cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<IGrainFactory>()).Append(cluster.Client).ToList();
        Assert.Equal(4, callers.Count);

        var posts = callers.SelectMany((factory, caller) => Enumerable.Range(1, 25).Select(i =>
            factory.GetGrain<IChatRoomGrain>("busy").Post(new PostMessageCommand($"caller{caller}", $"message {i}", $"c{caller}-{i}"))));
        var results = await Task.WhenAll(posts);

        // One single writer: every post got its own id, and together they leave no gap.
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), results.Select(r => r.Message.Id).Order());
        var activations = await cluster.Client.GetGrain<IManagementGrain>(0).GetGrainActivationCount((GrainReference)cluster.Client.GetGrain<IChatRoomGrain>("busy"));
        Assert.Equal(1, activations);
        Assert.Equal(100, (await cluster.Client.GetGrain<IChatRoomGrain>("busy").GetSummary()).MessageCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_room_keeps_its_state_and_history_when_its_silo_goes_away(bool kill)
    {
        await using var cluster = await StartAsync();
        var room = cluster.Client.GetGrain<IChatRoomGrain>("moving");
        var posted = new List<ChatMessage>();
        for (var i = 1; i <= 7; i++) posted.Add((await room.Post(new PostMessageCommand("alice", $"message {i}", $"c{i}"))).Message);
        await room.MarkRead("bob", posted[4].Id);

        var silo = cluster.SiloOf(room);
        if (kill) await cluster.KillAndAwaitDeathAsync(silo);
        else await cluster.StopAndAwaitDepartureAsync(silo);

        var summary = await room.GetSummary();
        Assert.NotEqual(silo.SiloAddress, cluster.SiloOf(room).SiloAddress);
        Assert.Equal((7L, posted[^1].Id, posted[4].Id), (summary.MessageCount, summary.LastId, summary.ReadReceipts["bob"]));
        Assert.Equal(posted.Select(m => (m.Id, m.Text)), (await room.GetMessages(null, 100)).Select(m => (m.Id, m.Text)));
        Assert.False((await room.Post(new PostMessageCommand("alice", "again", "c7"))).Created);
        // Ids are the room stream's positions: the read receipt's event took the one after the last message.
        Assert.Equal(posted[^1].Id + 2, (await room.Post(new PostMessageCommand("alice", "next", "c8"))).Message.Id);
    }

    [Fact]
    public async Task Presence_reported_before_the_rooms_silo_died_holds_when_the_room_comes_back()
    {
        await using var cluster = await StartAsync();
        var room = cluster.Client.GetGrain<IChatRoomGrain>("present");
        await room.ReportPresence("node-a", ["alice", "bob"], TimeSpan.FromMinutes(5));
        await room.ReportPresence("node-b", ["carol"], TimeSpan.FromMinutes(5));
        await room.ReportPresence("node-b", [], TimeSpan.FromMinutes(5));

        var silo = cluster.SiloOf(room);
        await cluster.KillAndAwaitDeathAsync(silo);

        // No node has reported since: the stored leases alone say who is online.
        var summary = await room.GetSummary();
        Assert.NotEqual(silo.SiloAddress, cluster.SiloOf(room).SiloAddress);
        Assert.Equal(["alice", "bob"], summary.OnlineUsers);
    }
}
