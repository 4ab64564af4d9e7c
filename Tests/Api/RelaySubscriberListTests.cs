using GrainStream.Api.Sse;
using Microsoft.AspNetCore.Http;

namespace GrainStream.Tests.Api;

/// <summary>The relay's connection list: O(1) joins and leaves, and snapshots that a fan-out can
/// iterate while connections come and go.</summary>
public sealed class RelaySubscriberListTests
{
    private static StreamRelay.Subscriber NewSubscriber()
        => new(new SseConnection(new DefaultHttpContext(), new SseOptions(), latestWins: false), skipThrough: 0);

    private static List<StreamRelay.Subscriber> Live(RelaySubscriberList list)
        => [.. list.TakeSnapshot().Slots.ToArray().OfType<StreamRelay.Subscriber>()];

    [Fact]
    public void Connections_are_listed_in_join_order_without_those_that_left()
    {
        var list = new RelaySubscriberList();
        var subscribers = Enumerable.Range(0, 10).Select(_ => NewSubscriber()).ToList();
        foreach (var subscriber in subscribers) list.Add(subscriber);

        Assert.True(list.Remove(subscribers[3]));
        Assert.True(list.Remove(subscribers[7]));

        Assert.Equal(8, list.Count);
        Assert.Equal(subscribers.Where((_, i) => i is not 3 and not 7), Live(list));
    }

    [Fact]
    public void Removing_a_connection_twice_or_one_never_added_changes_nothing()
    {
        var list = new RelaySubscriberList();
        var member = NewSubscriber();
        list.Add(member);

        Assert.False(list.Remove(NewSubscriber()));
        Assert.True(list.Remove(member));
        Assert.False(list.Remove(member));
        Assert.Equal(0, list.Count);
        Assert.Empty(Live(list));
    }

    [Fact]
    public void A_snapshot_never_shows_a_connection_that_joined_after_it_was_taken_even_when_the_list_grows_or_compacts()
    {
        var list = new RelaySubscriberList();
        var before = Enumerable.Range(0, 40).Select(_ => NewSubscriber()).ToList();
        foreach (var subscriber in before) list.Add(subscriber);
        var snapshot = list.TakeSnapshot();

        // Joins into the same array, then growth, then enough leaves to compact.
        var after = Enumerable.Range(0, 100).Select(_ => NewSubscriber()).ToList();
        foreach (var subscriber in after) list.Add(subscriber);
        foreach (var subscriber in after.Take(90)) list.Remove(subscriber);

        var seen = snapshot.Slots.ToArray().OfType<StreamRelay.Subscriber>().ToList();
        Assert.Equal(before, seen);
        Assert.Equal(before.Concat(after.Skip(90)), Live(list));
    }

    [Fact]
    public void A_connection_that_leaves_after_a_snapshot_was_taken_is_at_most_skipped_never_duplicated_or_moved()
    {
        var list = new RelaySubscriberList();
        var subscribers = Enumerable.Range(0, 30).Select(_ => NewSubscriber()).ToList();
        foreach (var subscriber in subscribers) list.Add(subscriber);
        var snapshot = list.TakeSnapshot();

        list.Remove(subscribers[0]);
        list.Remove(subscribers[29]);

        var seen = snapshot.Slots.ToArray().OfType<StreamRelay.Subscriber>().ToList();
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(subscribers.Skip(1).Take(28), seen);
    }

    [Fact]
    public void Thousands_of_joins_and_leaves_keep_the_count_and_the_order_right()
    {
        var list = new RelaySubscriberList();
        var expected = new List<StreamRelay.Subscriber>();
        var random = new Random(7);
        for (var i = 0; i < 5_000; i++)
        {
            if (expected.Count > 0 && random.Next(3) == 0)
            {
                var leaving = expected[random.Next(expected.Count)];
                Assert.True(list.Remove(leaving));
                expected.Remove(leaving);
            }
            else
            {
                var joining = NewSubscriber();
                list.Add(joining);
                expected.Add(joining);
            }
        }

        Assert.Equal(expected.Count, list.Count);
        Assert.Equal(expected, Live(list));
        Assert.True(list.TakeSnapshot().Slots.Length <= expected.Count * 2 + 16, "cleared slots are compacted away");
    }
}
