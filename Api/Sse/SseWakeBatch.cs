namespace GrainStream.Api.Sse;

/// <summary>Connections whose readers a fan-out must wake. One event to thousands of connections
/// would otherwise cost a thread-pool hop per connection; here a few connections are woken on the
/// caller's thread and the rest in slices on <see cref="SseWakeScheduler"/>'s workers, so that
/// the writes still spread over every core. Each woken connection writes and flushes on the waking
/// thread (with inline socket scheduling the send happens there too). A connection whose waiting
/// loop can be claimed (<see cref="SseConnection.TryClaim"/>) gets the frame sent straight to its
/// socket, never stored in its queue.</summary>
internal sealed class SseWakeBatch
{
    /// <summary>Connections woken per scheduler slice (and at most on the caller's thread).</summary>
    public const int SliceSize = 64;

    private SseConnection[] _connections = [];
    // Per connection: the frame to send to a claimed connection, or null to wake it to read its queue.
    private SseFrame?[] _claimed = [];
    private int _count;

    /// <summary>Offers <paramref name="frame"/> to <paramref name="connection"/>, to be woken by <see cref="Dispatch"/>.</summary>
    public void Offer(SseConnection connection, SseFrame frame)
    {
        SseFrame? claimed = null;
        if (connection.TryClaim(frame)) claimed = frame;
        else if (!connection.Offer(frame, wakeNow: false)) return;
        if (_count == _connections.Length)
        {
            var capacity = Math.Max(16, _count * 2);
            Array.Resize(ref _connections, capacity);
            Array.Resize(ref _claimed, capacity);
        }
        _claimed[_count] = claimed;
        _connections[_count++] = connection;
    }

    /// <summary>Wakes everything added: the last slice on this thread, the others on the scheduler.</summary>
    public void Dispatch()
    {
        if (_count == 0) return;
        var inlineFrom = (_count - 1) / SliceSize * SliceSize;
        for (var start = 0; start < inlineFrom; start += SliceSize)
        {
            SseWakeScheduler.Shared.Enqueue(new SseWakeSlice(_connections.AsSpan(start, SliceSize).ToArray(), _claimed.AsSpan(start, SliceSize).ToArray()));
        }
        for (var i = inlineFrom; i < _count; i++) Run(_connections[i], _claimed[i]);
        Array.Clear(_connections, 0, _count);
        Array.Clear(_claimed, 0, _count);
        _count = 0;
    }

    /// <summary>Sends a claimed connection its frame, or wakes it to read its queue.</summary>
    public static void Run(SseConnection connection, SseFrame? claimed)
    {
        if (claimed is not null) connection.SendClaimed(claimed);
        else connection.Wake();
    }
}
