using GrainStream.Api.Sse;
using Microsoft.Extensions.Options;

namespace GrainStream.Api.Limits;

/// <summary>Counts each client's open event streams against <see cref="SseOptions.MaxConnectionsPerClient"/>.
/// A client is counted from admission until its stream ends and forgotten at zero, so the table holds
/// only clients with open streams. One lock: taken once when a stream opens and once when it ends,
/// never per event.</summary>
internal sealed class SseClientLimiter(IOptions<SseOptions> options)
{
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The most streams per client; 0 or less: no limit.</summary>
    public int Limit { get; } = options.Value.MaxConnectionsPerClient;

    /// <summary>A slot for one more stream of <paramref name="client"/>, or null when it holds the limit.</summary>
    public SseClientSlot? TryAcquire(string client)
    {
        lock (_gate)
        {
            var open = _open.GetValueOrDefault(client);
            if (open >= Limit) return null;
            _open[client] = open + 1;
        }
        return new SseClientSlot(this, client);
    }

    /// <summary>Streams <paramref name="client"/> holds open (tests, diagnostics).</summary>
    public int OpenBy(string client)
    {
        lock (_gate) return _open.GetValueOrDefault(client);
    }

    internal void Release(string client)
    {
        lock (_gate)
        {
            var open = _open.GetValueOrDefault(client) - 1;
            if (open > 0) _open[client] = open;
            else _open.Remove(client);
        }
    }
}
