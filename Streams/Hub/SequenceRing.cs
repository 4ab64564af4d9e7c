namespace GrainStream.Streams;

/// <summary>The most recent items of a numbered sequence (a stream's events, or their encoded
/// frames), in a ring of bounded size: it always holds one unbroken run of sequence numbers, so that a
/// reader asking "from N on" is answered from memory or told plainly that the ring does not reach
/// back that far. The ring grows to its capacity as items come, so that the many streams that see
/// few events (a quiet room, a task's few states) hold a few slots rather than the whole capacity.
/// Not thread-safe: its owner serialises access.</summary>
/// <typeparam name="T">The item.</typeparam>
public sealed class SequenceRing<T>
{
    private const int InitialSlots = 16;

    private readonly int _capacity;
    private T[] _items;
    private int _head; // index of the oldest item

    /// <summary>A ring of at most <paramref name="capacity"/> items (at least one).</summary>
    public SequenceRing(int capacity)
    {
        _capacity = Math.Max(1, capacity);
        _items = new T[Math.Min(_capacity, InitialSlots)];
    }

    /// <summary>The most items the ring holds.</summary>
    public int Capacity => _capacity;

    /// <summary>Items held.</summary>
    public int Count { get; private set; }

    /// <summary>The sequence number of the oldest item held (meaningful when <see cref="Count"/> &gt; 0).</summary>
    public long FirstSequence { get; private set; }

    /// <summary>One past the newest item held.</summary>
    public long EndSequence => FirstSequence + Count;

    /// <summary>Whether the ring holds <paramref name="sequence"/> or everything from it to the newest item.</summary>
    public bool Reaches(long sequence) => Count > 0 && sequence >= FirstSequence;

    /// <summary>The item numbered <paramref name="sequence"/>, which must be held.</summary>
    public T this[long sequence]
    {
        get
        {
            if (sequence < FirstSequence || sequence >= EndSequence) throw new ArgumentOutOfRangeException(nameof(sequence));
            return _items[(_head + (int)(sequence - FirstSequence)) % _items.Length];
        }
    }

    /// <summary>Adds the item numbered <paramref name="sequence"/>, dropping the oldest when full.
    /// An item that does not follow the newest one starts the ring afresh: it never claims a range
    /// it does not hold entirely.</summary>
    public void Add(long sequence, T item)
    {
        if (Count > 0 && sequence != EndSequence) Clear();
        if (Count == 0) FirstSequence = sequence;
        if (Count == _items.Length && _items.Length < _capacity) Grow();
        if (Count < _items.Length)
        {
            _items[(_head + Count) % _items.Length] = item;
            Count++;
        }
        else
        {
            _items[_head] = item;
            _head = (_head + 1) % _items.Length;
            FirstSequence++;
        }
    }

    // Doubles the slots (up to the capacity), the oldest item moving to the first slot.
    private void Grow()
    {
        var grown = new T[Math.Min(_capacity, _items.Length * 2)];
        for (var i = 0; i < Count; i++) grown[i] = _items[(_head + i) % _items.Length];
        _items = grown;
        _head = 0;
    }

    /// <summary>Forgets every item.</summary>
    public void Clear()
    {
        Array.Clear(_items);
        Count = 0;
        _head = 0;
    }

    /// <summary>Items from <paramref name="sequence"/> on (at most <paramref name="max"/>; none when
    /// <paramref name="sequence"/> is past the newest), or null when the ring does not reach back that far.</summary>
    public List<T>? TryGetFrom(long sequence, int max)
    {
        if (!Reaches(sequence)) return null;
        var take = (int)Math.Clamp(EndSequence - sequence, 0, max);
        var result = new List<T>(take);
        for (var i = 0; i < take; i++) result.Add(this[sequence + i]);
        return result;
    }
}
