using GrainStream.Streams;
using System.Text.Json;
using GrainStream.Grains;
using GrainStream.Grains.Chat;
using Orleans.TestingHost;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Platform.Chat;

public sealed class ChatRoomGrainTests(ChatClusterFixture fixture) : IClassFixture<ChatClusterFixture>
{
    private InProcessTestCluster Cluster => fixture.Cluster;

    private IChatRoomGrain Room(string room) => Cluster.Client.GetGrain<IChatRoomGrain>(room);

    private Task<RawStreamRecorder> WatchAsync(string room) => RawStreamRecorder.SubscribeAsync(Cluster, ChatStreams.Room(room));

    private static PostMessageCommand Say(string text, string? clientId = null, string author = "alice") => new(author, text, clientId);

    [Fact]
    public async Task Posting_with_same_clientId_returns_first_message()
    {
        var room = Room("idempotent");
        var events = await WatchAsync("idempotent");

        var first = await room.Post(Say("hello", "client-1"));
        var repeated = await room.Post(Say("hello again", "client-1"));

        Assert.True(first.Created);
        Assert.False(repeated.Created);
        Assert.Equal(first.Message, repeated.Message);
        Assert.Equal("hello", repeated.Message.Text);
        Assert.Equal(1, (await room.GetSummary()).MessageCount);
        await Eventually.TrueAsync(() => events.Of<ChatMessage>("message").Count >= 1, "the message event");
        var published = Assert.Single(events.Of<ChatMessage>("message"));
        Assert.Equal("client-1", published.ClientId);
    }

    [Fact]
    public async Task Message_ids_grow_and_history_is_oldest_first()
    {
        var room = Room("ordered");
        var events = await WatchAsync("ordered");
        var posted = new List<ChatMessage>();
        for (var i = 1; i <= 3; i++) posted.Add((await room.Post(Say($"line {i}\nsecond line"))).Message);

        Assert.True(posted[0].Id < posted[1].Id && posted[1].Id < posted[2].Id);
        Assert.Equal(posted, await room.GetMessages(null, 10));
        Assert.Equal(posted[1..], await room.GetMessages(posted[0].Id, 10));
        Assert.Equal([posted[1]], await room.GetMessages(posted[0].Id, 1));
        Assert.Empty(await room.GetMessages(posted[2].Id, 10));

        // The id is the stream position of the message event.
        await Eventually.TrueAsync(() => events.Events.Count >= 3, "three message events");
        Assert.Equal(posted.Select(m => m.Id), events.Events.Select(e => e.Position.Sequence));
        Assert.Equal("line 1\nsecond line", events.Of<ChatMessage>("message")[0].Text);
    }

    [Fact]
    public async Task History_without_after_returns_the_latest_messages()
    {
        var room = Room("latest");
        var posted = new List<ChatMessage>();
        for (var i = 1; i <= 8; i++) posted.Add((await room.Post(Say($"message {i}"))).Message);

        Assert.Equal(posted[5..], await room.GetMessages(null, 3));
        // Beyond the cache (size 5) the room reads its stream history.
        Assert.Equal(posted, await room.GetMessages(null, 100));
        Assert.Equal(posted[1..3], await room.GetMessages(posted[0].Id, 2));
        Assert.Equal(posted[6..], await room.GetMessages(posted[5].Id, 10));
        Assert.Equal(posted, await room.GetMessages(0, 1000));
    }

    [Fact]
    public async Task History_rejects_limits_outside_1_to_1000_and_negative_after()
    {
        var room = Room("limits");
        await Assert.ThrowsAsync<ArgumentException>(() => room.GetMessages(null, 0));
        await Assert.ThrowsAsync<ArgumentException>(() => room.GetMessages(null, 1001));
        await Assert.ThrowsAsync<ArgumentException>(() => room.GetMessages(-1, 10));
    }

    [Fact]
    public async Task Read_receipt_is_stored_and_emitted()
    {
        var room = Room("receipts");
        var events = await WatchAsync("receipts");
        var first = (await room.Post(Say("one"))).Message;
        var second = (await room.Post(Say("two"))).Message;

        await room.MarkRead("bob", second.Id);
        await room.MarkRead("bob", first.Id);

        Assert.Equal(second.Id, (await room.GetSummary()).ReadReceipts["bob"]);
        await Eventually.TrueAsync(() => events.Of<ReadReceipt>("read").Count >= 2, "two read events");
        Assert.All(events.Of<ReadReceipt>("read"), r => Assert.Equal(("bob", second.Id), (r.User, r.UpTo)));

        await Assert.ThrowsAsync<ArgumentException>(() => room.MarkRead("bob", second.Id + 1));
        await Assert.ThrowsAsync<ArgumentException>(() => room.MarkRead("bob", -1));
        await Assert.ThrowsAsync<ArgumentException>(() => room.MarkRead("not a key", first.Id));
    }

    [Fact]
    public async Task User_is_online_while_a_node_lists_them_and_offline_after_its_lease_expires()
    {
        var room = Room("presence");
        var events = await WatchAsync("presence");

        await room.ReportPresence("node-a", ["alice"], TimeSpan.FromSeconds(30));
        await room.ReportPresence("node-b", ["alice", "bob"], TimeSpan.FromSeconds(30));
        Assert.Equal(["alice", "bob"], (await room.GetSummary()).OnlineUsers);

        // node-b renews once more with a short lease, then stops (it died): bob goes offline,
        // alice stays online through node-a.
        await room.ReportPresence("node-b", ["alice", "bob"], TimeSpan.FromMilliseconds(300));
        await Eventually.TrueAsync(() => events.Of<PresenceChanged>("presence").Count >= 3, "bob going offline");
        Assert.Equal(
            new PresenceChanged[] { new("alice", true, ["alice"]), new("bob", true, ["alice", "bob"]), new("bob", false, ["alice"]) },
            events.Of<PresenceChanged>("presence"), PresenceComparer.Instance);
        Assert.Equal(["alice"], (await room.GetSummary()).OnlineUsers);

        await room.ReportPresence("node-a", [], TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(() => events.Of<PresenceChanged>("presence").Count >= 4, "alice going offline");
        Assert.Equal(new PresenceChanged("alice", false, []), events.Of<PresenceChanged>("presence")[3], PresenceComparer.Instance);
        Assert.Empty((await room.GetSummary()).OnlineUsers);
    }

    [Fact]
    public async Task Presence_reports_with_bad_names_or_leases_are_rejected()
    {
        var room = Room("presence-bad");
        await Assert.ThrowsAsync<ArgumentException>(() => room.ReportPresence("node", ["no spaces"], TimeSpan.FromSeconds(1)));
        await Assert.ThrowsAsync<ArgumentException>(() => room.ReportPresence("node", ["ok"], TimeSpan.Zero));
        await Assert.ThrowsAsync<ArgumentException>(() => room.ReportPresence(" ", ["ok"], TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Invalid_author_or_text_is_rejected()
    {
        var room = Room("validation");
        var tooLongAuthor = new string('a', ChatStreams.MaxAuthorLength + 1);
        var tooLongText = new string('t', ChatStreams.MaxTextLength + 1);

        foreach (var bad in new[] { Say("hi", author: ""), Say("hi", author: "   "), Say("hi", author: tooLongAuthor), Say(""), Say(" \n "), Say(tooLongText), Say("hi", clientId: "") })
        {
            var exception = await Assert.ThrowsAsync<ArgumentException>(() => room.Post(bad));
            Assert.Matches("author|text|clientId", exception.Message);
        }
        Assert.Equal(0, (await room.GetSummary()).MessageCount);

        var longest = await room.Post(Say(new string('t', ChatStreams.MaxTextLength), author: new string('a', ChatStreams.MaxAuthorLength)));
        Assert.True(longest.Created);
        Assert.Equal("bob", (await room.Post(Say("hi", author: "  bob "))).Message.Author);
    }

    [Fact]
    public async Task Room_state_survives_deactivation()
    {
        var room = Room("durable");
        var posted = new List<ChatMessage>();
        for (var i = 1; i <= 7; i++) posted.Add((await room.Post(Say($"message {i}", $"c{i}"))).Message);
        await room.MarkRead("carol", posted[3].Id);

        await ActivationControl.DeactivateAsync(Cluster, room);

        var summary = await room.GetSummary();
        Assert.Equal((7L, posted[^1].Id, posted[3].Id), (summary.MessageCount, summary.LastId, summary.ReadReceipts["carol"]));
        Assert.Equal(posted, await room.GetMessages(null, 100));
        var repeated = await room.Post(Say("retry", "c1"));
        Assert.False(repeated.Created);
        Assert.Equal(posted[0], repeated.Message);
        var next = await room.Post(Say("after"));
        Assert.True(next.Message.Id > posted[^1].Id);
    }

    [Fact]
    public async Task A_message_published_before_a_crash_is_counted_when_the_room_comes_back()
    {
        var room = Room("crashed");
        await room.Post(Say("stored"));
        await ActivationControl.DeactivateAsync(Cluster, room);

        // As if the room had published and then died before writing its state.
        var stream = Cluster.Client.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetEventStream(ChatStreams.Room("crashed"));
        var id = (await stream.GetLastPositionAsync()).Sequence + 1;
        var orphan = new ChatMessage(id, "crashed", "alice", "published, not counted", DateTimeOffset.UtcNow, "orphan");
        await stream.PublishAsync("message", JsonSerializer.SerializeToUtf8Bytes(orphan, GrainsJsonContext.Default.ChatMessage));

        var summary = await room.GetSummary();
        Assert.Equal((2L, (long?)id), (summary.MessageCount, summary.LastId));
        Assert.Equal("published, not counted", (await room.GetMessages(null, 10))[^1].Text);
        Assert.False((await room.Post(Say("retry", "orphan"))).Created);
        Assert.Equal(id + 1, (await room.Post(Say("next"))).Message.Id);
    }

    /// <summary>Compares presence events by value (the record holds a list).</summary>
    private sealed class PresenceComparer : IEqualityComparer<PresenceChanged>
    {
        public static readonly PresenceComparer Instance = new();

        public bool Equals(PresenceChanged? x, PresenceChanged? y)
            => x is not null && y is not null && x.User == y.User && x.Online == y.Online && x.OnlineUsers.SequenceEqual(y.OnlineUsers);

        public int GetHashCode(PresenceChanged obj) => HashCode.Combine(obj.User, obj.Online);
    }
}
