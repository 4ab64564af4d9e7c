namespace GrainStream.Bench.Fanout;

/// <summary>Disposes the subscriber loops of every target once (at the end of a run, or on failure).</summary>
internal sealed class LoopsDisposer(IEnumerable<SubscriberLoops> loops) : IDisposable
{
    private readonly SubscriberLoops[] _loops = [.. loops];

    public void Dispose()
    {
        foreach (var loop in _loops) loop.Dispose();
    }
}
