using GrainStream.Streams;

namespace GrainStream.Tests.Streams;

/// <summary>The ring of recent items: one unbroken run of sequence numbers, the newest
/// <c>capacity</c> of them, whether it has grown to its capacity yet or not.</summary>
public sealed class SequenceRingTests
{
    [Theory]
    [InlineData(1, 5)]
    [InlineData(16, 16)]
    [InlineData(17, 40)]
    [InlineData(1024, 300)]
    [InlineData(1024, 5000)]
    public void It_holds_the_newest_items_up_to_its_capacity_in_order(int capacity, int added)
    {
        var ring = new SequenceRing<string>(capacity);

        for (var sequence = 1L; sequence <= added; sequence++) ring.Add(sequence, $"e{sequence}");

        var held = Math.Min(capacity, added);
        Assert.Equal(held, ring.Count);
        Assert.Equal(added - held + 1, ring.FirstSequence);
        Assert.Equal(added + 1, ring.EndSequence);
        Assert.Equal(Enumerable.Range(added - held + 1, held).Select(i => $"e{i}"), ring.TryGetFrom(ring.FirstSequence, int.MaxValue));
        Assert.Null(ring.TryGetFrom(ring.FirstSequence - 1, 10));
        Assert.Equal($"e{added}", ring[added]);
    }

    [Fact]
    public void A_gap_starts_the_ring_afresh_and_it_grows_again_from_there()
    {
        var ring = new SequenceRing<int>(64);
        for (var sequence = 1; sequence <= 40; sequence++) ring.Add(sequence, sequence);

        ring.Add(100, 100);
        for (var sequence = 101; sequence <= 200; sequence++) ring.Add(sequence, sequence);

        Assert.Equal(137, ring.FirstSequence);
        Assert.Equal(Enumerable.Range(137, 64), ring.TryGetFrom(137, 100));
        Assert.Null(ring.TryGetFrom(40, 1));
    }

    [Fact]
    public void Cleared_it_holds_nothing_and_takes_any_next_sequence()
    {
        var ring = new SequenceRing<int>(8);
        for (var sequence = 1; sequence <= 20; sequence++) ring.Add(sequence, sequence);

        ring.Clear();
        ring.Add(7, 7);

        Assert.Equal(1, ring.Count);
        Assert.Equal([7], ring.TryGetFrom(7, 10));
        Assert.Equal(8, ring.Capacity);
    }
}
