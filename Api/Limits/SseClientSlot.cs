namespace GrainStream.Api.Limits;

/// <summary>One admitted event stream of a client; <see cref="Release"/> gives the slot back (once,
/// however often it is called: a stream that fails to start and one that ends both release).</summary>
internal sealed class SseClientSlot(SseClientLimiter limiter, string client)
{
    private int _released;

    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) limiter.Release(client);
    }
}
