namespace GrainStream.Api.Sse;

/// <summary>One connection of a fan-out (<see cref="SseWakeBatch"/>): to be sent <see cref="Claimed"/>
/// straight to its socket when its waiting loop was claimed, or else woken to read its queue.</summary>
internal readonly record struct SseWake(SseConnection Connection, SseFrame? Claimed)
{
    /// <summary>Sends the claimed frame, or wakes the connection.</summary>
    public void Run()
    {
        if (Claimed is not null) Connection.SendClaimed(Claimed);
        else Connection.Wake();
    }

    /// <summary>Runs every wake of <paramref name="wakes"/>; with <paramref name="batchSends"/> the
    /// claimed frames go out through this thread's <see cref="SocketSendRing"/>, up to
    /// <see cref="SocketSendRing.Capacity"/> sends per system call, where the kernel offers one.</summary>
    public static void RunAll(ReadOnlySpan<SseWake> wakes, bool batchSends)
    {
        var ring = batchSends ? SocketSendRing.ForCurrentThread() : null;
        if (ring is null)
        {
            foreach (var wake in wakes) wake.Run();
            return;
        }
        Span<int> sent = stackalloc int[SocketSendRing.Capacity];
        Span<int> wakeOf = stackalloc int[SocketSendRing.Capacity];
        for (var i = 0; i < wakes.Length; i++)
        {
            var wake = wakes[i];
            if (wake.Claimed is not { } frame)
            {
                wake.Connection.Wake();
                continue;
            }
            if (ring is null)
            {
                wake.Run(); // io_uring was given up and cannot be had again: one send each
                continue;
            }
            if (!ring.TryAdd(wake.Connection.ClaimedSocket, frame.ChunkArray))
            {
                wake.Connection.CompleteClaimedSend(frame, -1); // the socket is closed: the client has gone
                continue;
            }
            wakeOf[ring.Count - 1] = i;
            if (ring.Count == SocketSendRing.Capacity) ring = Complete(ring, wakes, wakeOf, sent);
        }
        if (ring is not null) Complete(ring, wakes, wakeOf, sent);
    }

    /// <summary>Submits the ring's batch and completes its wakes; returns the ring to go on with:
    /// the same one, or after the kernel refused part of the batch (and the ring was given up, see
    /// <see cref="SocketSendRing.Submit"/>) this thread's new one, or null where none can be had.</summary>
    private static SocketSendRing? Complete(SocketSendRing ring, ReadOnlySpan<SseWake> wakes, ReadOnlySpan<int> wakeOf, Span<int> sent)
    {
        var count = ring.Count;
        if (count == 0) return ring;
        ring.Submit(sent);
        for (var entry = 0; entry < count; entry++)
        {
            var wake = wakes[wakeOf[entry]];
            wake.Connection.CompleteClaimedSend(wake.Claimed!, sent[entry]);
        }
        return ring.IsGivenUp ? SocketSendRing.ForCurrentThread() : ring;
    }
}
