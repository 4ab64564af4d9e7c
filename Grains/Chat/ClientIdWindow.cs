namespace GrainStream.Grains.Chat;

/// <summary>The ids of the messages posted with the most recent client ids, so that a repeated post
/// (a client retrying after a lost response) returns the first message instead of a duplicate.
/// Bounded: the oldest client ids are forgotten first.</summary>
internal sealed class ClientIdWindow(int capacity)
{
    private readonly Dictionary<string, long> _ids = new(StringComparer.Ordinal);
    private readonly Queue<(string ClientId, long Id)> _order = new();

    /// <summary>The id of the message first posted with <paramref name="clientId"/>.</summary>
    public bool TryGet(string clientId, out long id) => _ids.TryGetValue(clientId, out id);

    /// <summary>Remembers the first message of a client id (a later one for the same id is ignored).</summary>
    public void Add(string clientId, long id)
    {
        if (!_ids.TryAdd(clientId, id)) return;
        _order.Enqueue((clientId, id));
        while (_order.Count > capacity)
        {
            var (oldest, oldestId) = _order.Dequeue();
            // The entry may have been removed and re-added since; only forget the one queued here.
            if (_ids.TryGetValue(oldest, out var current) && current == oldestId) _ids.Remove(oldest);
        }
    }

    /// <summary>Forgets a client id whose message is no longer available.</summary>
    public void Remove(string clientId) => _ids.Remove(clientId);

    /// <summary>Forgets everything.</summary>
    public void Clear()
    {
        _ids.Clear();
        _order.Clear();
    }
}
