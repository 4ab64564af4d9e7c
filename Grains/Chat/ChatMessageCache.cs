namespace GrainStream.Grains.Chat;

/// <summary>The most recent messages of a room, oldest first, so that history calls for recent
/// messages never touch the stream log. It is complete for every id above <see cref="Floor"/>.</summary>
internal sealed class ChatMessageCache(int capacity)
{
    private readonly List<ChatMessage> _messages = [];

    /// <summary>The id of the newest message that is no longer cached (0 when none was dropped):
    /// every message with a larger id is here.</summary>
    public long Floor { get; private set; }

    /// <summary>Messages held.</summary>
    public int Count => _messages.Count;

    /// <summary>Adds the room's newest message; one not newer than the last cached is ignored.</summary>
    public void Add(ChatMessage message)
    {
        if (_messages.Count > 0 && message.Id <= _messages[^1].Id) return;
        _messages.Add(message);
        if (_messages.Count > capacity)
        {
            var excess = _messages.Count - capacity;
            Floor = _messages[excess - 1].Id;
            _messages.RemoveRange(0, excess);
        }
    }

    /// <summary>Forgets everything (the stream started a new incarnation).</summary>
    public void Clear()
    {
        _messages.Clear();
        Floor = 0;
    }

    /// <summary>True when every message with id greater than <paramref name="after"/> is cached.</summary>
    public bool Covers(long after) => after >= Floor;

    /// <summary>The message with <paramref name="id"/>, if cached.</summary>
    public ChatMessage? Find(long id)
    {
        var index = FirstAbove(id - 1);
        return index < _messages.Count && _messages[index].Id == id ? _messages[index] : null;
    }

    /// <summary>The newest <paramref name="limit"/> messages, oldest first.</summary>
    public ChatMessage[] Latest(int limit)
    {
        var count = Math.Min(limit, _messages.Count);
        return [.. _messages.GetRange(_messages.Count - count, count)];
    }

    /// <summary>Up to <paramref name="limit"/> messages with id greater than <paramref name="after"/>, oldest first.</summary>
    public ChatMessage[] After(long after, int limit)
    {
        var start = FirstAbove(after);
        return [.. _messages.GetRange(start, Math.Min(limit, _messages.Count - start))];
    }

    // Binary search: the index of the first message with an id greater than 'id'.
    private int FirstAbove(long id)
    {
        int low = 0, high = _messages.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_messages[middle].Id <= id) low = middle + 1;
            else high = middle;
        }
        return low;
    }
}
