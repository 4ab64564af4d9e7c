using GrainStream.Streams;

namespace GrainStream.Runtime.Streams;

/// <summary>The most recent events of one stream, in a ring, so replays to reconnecting subscribers
/// rarely need the durable log.</summary>
internal sealed class StreamEventCache(int capacity)
{
    private readonly StreamEvent[] _ring = new StreamEvent[Math.Max(1, capacity)];
    private int _count;
    private int _head; // index of the oldest event

    public void Add(StreamEvent streamEvent)
    {
        if (_count > 0 && _ring[(_head + _count - 1) % _ring.Length].Token.Sequence + 1 != streamEvent.Token.Sequence) Clear();
        if (_count < _ring.Length)
        {
            _ring[(_head + _count) % _ring.Length] = streamEvent;
            _count++;
        }
        else
        {
            _ring[_head] = streamEvent;
            _head = (_head + 1) % _ring.Length;
        }
    }

    public void Clear()
    {
        Array.Clear(_ring);
        _count = 0;
        _head = 0;
    }

    /// <summary>Events from <paramref name="sequence"/> on (at most <paramref name="max"/>), or null
    /// when the cache does not reach back that far.</summary>
    public List<StreamEvent>? TryGetFrom(long sequence, int max)
    {
        if (_count == 0) return null;
        var first = _ring[_head].Token.Sequence;
        if (sequence < first) return null;
        var offset = sequence - first;
        if (offset >= _count) return [];
        var take = (int)Math.Min(max, _count - offset);
        var result = new List<StreamEvent>(take);
        for (var i = 0; i < take; i++) result.Add(_ring[(_head + (int)offset + i) % _ring.Length]);
        return result;
    }
}
