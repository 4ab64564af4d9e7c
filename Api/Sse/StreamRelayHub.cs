using GrainStream.Api.Diagnostics;
using GrainStream.Grains;
using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;

namespace GrainStream.Api.Sse;

/// <summary>The node's stream relays: one per stream, created by its first connection and disposed
/// a little (<see cref="SseOptions.RelayLinger"/>) after its last one left. A hosted service so that
/// it unsubscribes before the silo (registered earlier) stops.</summary>
internal sealed class StreamRelayHub(IClusterClient cluster, IOptions<SseOptions> options, [FromKeyedServices(PlatformClock.Key)] TimeProvider time, GrainStreamMetrics metrics, ILogger<StreamRelayHub> logger) : IHostedService
{
    private readonly Dictionary<StreamId, StreamRelay> _relays = [];
    private readonly Lock _gate = new();
    private readonly SseOptions _options = options.Value;

    /// <summary>Relays alive now (tests, diagnostics).</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _relays.Count;
        }
    }

    /// <summary>The relay of <paramref name="streamId"/> if there is one (tests, diagnostics).</summary>
    public StreamRelay? Find(StreamId streamId)
    {
        lock (_gate) return _relays.GetValueOrDefault(streamId);
    }

    /// <summary>The relay of <paramref name="streamId"/>, live; pair with <see cref="Release"/>.</summary>
    public async Task<StreamRelay> AcquireAsync(StreamId streamId, CancellationToken cancellationToken)
    {
        StreamRelay? relay;
        var created = false;
        lock (_gate)
        {
            if (!_relays.TryGetValue(streamId, out relay))
            {
                relay = new StreamRelay(cluster.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName), streamId, _options, metrics, logger);
                _relays[streamId] = relay;
                created = true;
            }
            relay.References++;
            relay.Linger?.Dispose();
            relay.Linger = null;
        }
        if (created) _ = relay.StartAsync();
        try
        {
            await relay.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            return relay;
        }
        catch
        {
            Release(relay);
            throw;
        }
    }

    /// <summary>Gives a relay back; the last one out starts its linger timer.</summary>
    public void Release(StreamRelay relay)
    {
        lock (_gate)
        {
            if (--relay.References > 0) return;
            if (relay.Ready.IsFaulted)
            {
                // Never cache a failure: the next connection tries again.
                Forget(relay);
                return;
            }
            relay.Linger = time.CreateTimer(static state =>
            {
                var (hub, expiring) = ((StreamRelayHub, StreamRelay))state!;
                hub.Expire(expiring);
            }, (this, relay), _options.RelayLinger, Timeout.InfiniteTimeSpan);
        }
    }

    private void Expire(StreamRelay relay)
    {
        lock (_gate)
        {
            if (relay.References > 0) return;
            Forget(relay);
        }
        _ = relay.DisposeAsync().AsTask();
    }

    private void Forget(StreamRelay relay)
    {
        if (_relays.TryGetValue(relay.StreamId, out var current) && ReferenceEquals(current, relay)) _relays.Remove(relay.StreamId);
        relay.Linger?.Dispose();
        relay.Linger = null;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Unsubscribes every relay (the connections were ended by <see cref="SseConnectionTracker"/>).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        StreamRelay[] relays;
        lock (_gate)
        {
            relays = [.. _relays.Values];
            foreach (var relay in relays) Forget(relay);
        }
        await Task.WhenAll(relays.Select(r => r.DisposeAsync().AsTask())).ConfigureAwait(false);
    }
}
