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
}
