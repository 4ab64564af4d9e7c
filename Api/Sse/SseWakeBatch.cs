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

    private readonly bool _batchSends;
    private SseWake[] _wakes = [];
    private int _count;

    /// <summary>A batch; <paramref name="batchSends"/> sends claimed frames through a
    /// <see cref="SocketSendRing"/> (see <see cref="SseOptions.BatchedSocketSends"/>).</summary>
    public SseWakeBatch(bool batchSends) => _batchSends = batchSends;

    /// <summary>Offers <paramref name="frame"/> to <paramref name="connection"/>, to be woken by <see cref="Dispatch"/>.</summary>
    public void Offer(SseConnection connection, SseFrame frame)
    {
        SseFrame? claimed = null;
        if (connection.TryClaim(frame)) claimed = frame;
        else if (!connection.Offer(frame, wakeNow: false)) return;
        if (_count == _wakes.Length) Array.Resize(ref _wakes, Math.Max(16, _count * 2));
        _wakes[_count++] = new SseWake(connection, claimed);
    }

    /// <summary>Wakes everything added: the last slice on this thread, the others on the scheduler.</summary>
    public void Dispatch()
    {
        if (_count == 0) return;
        var inlineFrom = (_count - 1) / SliceSize * SliceSize;
        for (var start = 0; start < inlineFrom; start += SliceSize)
        {
            SseWakeScheduler.Shared.Enqueue(_wakes.AsSpan(start, SliceSize).ToArray(), _batchSends);
        }
        SseWake.RunAll(_wakes.AsSpan(inlineFrom, _count - inlineFrom), _batchSends);
        Array.Clear(_wakes, 0, _count);
        _count = 0;
    }
}
