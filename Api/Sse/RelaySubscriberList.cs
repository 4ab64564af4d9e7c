namespace GrainStream.Api.Sse;

/// <summary>A relay's connections, in join order. Joins and leaves cost O(1) (amortised), and a
/// fan-out iterates a <see cref="Snapshot"/> without holding the relay's lock: a join writes only
/// past the end of every snapshot taken from the same array, and a leave only clears its slot, so a
/// snapshot never shows a connection twice or one that joined after it was taken; one that left
/// after it was taken may still be offered a frame, which is harmless.
/// A copy-on-write array did the same at O(N) per join, and 5,000 connections joining one room
/// copied 12.5 million references (about 100 MB of arrays, all garbage).</summary>
/// <remarks>Not thread-safe for writers: <see cref="Add"/>, <see cref="Remove"/> and <see cref="TakeSnapshot"/>
/// run under the owner's lock. Cleared slots are compacted away (into a new array, which leaves the
/// snapshots of the old one untouched) once they are more than half of the array's used part.</remarks>
internal sealed class RelaySubscriberList
{
    private const int MinimumCapacity = 4;
    // Below this many cleared slots compaction is not worth a new array.
    private const int MinimumGarbage = 16;

    private StreamRelay.Subscriber?[] _slots = new StreamRelay.Subscriber?[MinimumCapacity];
    private int _used;
    private int _cleared;

    /// <summary>Connections attached now.</summary>
    public int Count => _used - _cleared;

    /// <summary>Appends <paramref name="subscriber"/> (which must not be in a list).</summary>
    public void Add(StreamRelay.Subscriber subscriber)
    {
        if (_used == _slots.Length)
        {
            // Grow (and compact) into a new array: snapshots of the old one stay as they were.
            Rebuild(Math.Max(MinimumCapacity, Count * 2));
        }
        subscriber.Slot = _used;
        _slots[_used++] = subscriber;
    }

    /// <summary>Removes <paramref name="subscriber"/>; false when it was not in the list.</summary>
    public bool Remove(StreamRelay.Subscriber subscriber)
    {
        var slot = subscriber.Slot;
        if (slot < 0 || slot >= _used || !ReferenceEquals(_slots[slot], subscriber)) return false;
        _slots[slot] = null;
        subscriber.Slot = -1;
        if (++_cleared >= MinimumGarbage && _cleared * 2 > _used) Rebuild(Math.Max(MinimumCapacity, Count * 2));
        return true;
    }

    /// <summary>The connections attached now, to iterate after the lock is released.</summary>
    public Snapshot TakeSnapshot() => new(_slots, _used);

    // Copies the attached connections, in order, into a new array of the given capacity.
    private void Rebuild(int capacity)
    {
        var slots = new StreamRelay.Subscriber?[capacity];
        var used = 0;
        for (var i = 0; i < _used; i++)
        {
            if (_slots[i] is not { } subscriber) continue;
            subscriber.Slot = used;
            slots[used++] = subscriber;
        }
        _slots = slots;
        _used = used;
        _cleared = 0;
    }

    /// <summary>The list as it was when taken; cleared slots (connections that left since) are null.</summary>
    internal readonly struct Snapshot(StreamRelay.Subscriber?[] slots, int count)
    {
        public ReadOnlySpan<StreamRelay.Subscriber?> Slots => slots.AsSpan(0, count);
    }
}
