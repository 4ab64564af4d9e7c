using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace GrainStream.Streams;

/// <summary>A provider's delivery endpoint in this process (silo or client): one grain observer
/// reference that every hub pushes to, handing each delivery to the subscriptions it names. It
/// also renews the subscriptions' leases with their hubs, which is how a subscription learns that
/// its hub was lost with a silo and subscribes again from its last event.</summary>
internal sealed class StreamDeliveryEndpoint : IStreamDeliveryObserver, IAsyncDisposable
{
    private readonly ConcurrentDictionary<Guid, IEventSubscription> _subscriptions = new();
    private readonly IGrainFactory _grainFactory;
    private readonly EventStreamOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private IStreamDeliveryObserver? _reference;
    private Task? _renewals;

    public StreamDeliveryEndpoint(IGrainFactory grainFactory, EventStreamOptions options, TimeProvider time, ILogger logger)
    {
        _grainFactory = grainFactory;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Subscriptions of this endpoint (tests, diagnostics).</summary>
    public int Count => _subscriptions.Count;

    /// <summary>The observer reference hubs call; created on first use, outside any grain's context
    /// (inside one, Orleans would make it an extension of that grain).</summary>
    public async ValueTask<IStreamDeliveryObserver> GetReferenceAsync()
    {
        if (_reference is { } reference) return reference;
        var created = await Task.Run(() => _grainFactory.CreateObjectReference<IStreamDeliveryObserver>(this)).ConfigureAwait(false);
        lock (_gate)
        {
            _reference ??= created;
            _renewals ??= RenewLoopAsync();
            return _reference;
        }
    }

    /// <summary>True when <paramref name="reference"/> is this endpoint's own observer reference.</summary>
    public bool IsReferencedBy(IStreamDeliveryObserver reference)
        => _reference is { } own && own.GetGrainId() == reference.GetGrainId();

    public void Add(IEventSubscription subscription) => _subscriptions[subscription.SubscriptionId] = subscription;

    public void Remove(IEventSubscription subscription) => _subscriptions.TryRemove(subscription.SubscriptionId, out _);

    public IEnumerable<IEventSubscription> Subscriptions => _subscriptions.Values;

    public Task Deliver(StreamDelivery delivery)
    {
        var ids = delivery.SubscriptionIds;
        for (var i = 0; i < ids.Length; i++)
        {
            if (_subscriptions.TryGetValue(ids[i], out var subscription)) subscription.Enqueue(delivery);
        }
        return Task.CompletedTask;
    }

    private async Task RenewLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.RenewPeriod, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                await RenewAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Renews every subscription with its hub; those a hub does not know subscribe again.</summary>
    internal async Task RenewAsync()
    {
        if (_reference is not { } reference) return;
        var byHub = _subscriptions.Values.Where(s => s.IsRegistered).GroupBy(s => s.HubKey).ToList();
        await Task.WhenAll(byHub.Select(async group =>
        {
            try
            {
                // Bounded by the period, not the call's response timeout: a hub on a frozen silo would
                // hold the renewal (and with it the noticing that its stream moved) for that long.
                var unknown = await _grainFactory.GetGrain<IStreamHubGrain>(group.Key).Renew(reference, [.. group.Select(s => s.SubscriptionId)])
                    .WaitAsync(_options.RenewPeriod, _stopping.Token).ConfigureAwait(false);
                foreach (var id in unknown)
                {
                    if (_subscriptions.TryGetValue(id, out var subscription)) subscription.Resubscribe();
                }
            }
            catch (Exception exception)
            {
                // A hub on a silo that died or froze times out here; the next period tries again (and
                // reaches its next activation once the cluster has declared the silo dead).
                if (!_stopping.IsCancellationRequested) _logger.LogDebug(exception, "Renewing the subscriptions to {Hub} failed; trying again next period", group.Key);
            }
        })).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        // Not waiting for a renewal in flight: one to a lost silo's hub only ends with its timeout.
        _stopping.Cancel();
        if (_reference is { } reference)
        {
            try
            {
                _grainFactory.DeleteObjectReference<IStreamDeliveryObserver>(reference);
            }
            catch (Exception exception)
            {
                _logger.LogDebug(exception, "Deleting the stream delivery endpoint failed");
            }
        }
        return ValueTask.CompletedTask;
    }
}

/// <summary>A subscription as its endpoint sees it.</summary>
internal interface IEventSubscription
{
    Guid SubscriptionId { get; }

    string HubKey { get; }

    /// <summary>True once the hub has the subscription (a renewal sent before that would find it
    /// unknown and make it subscribe twice); false again while it subscribes anew.</summary>
    bool IsRegistered { get; }

    void Enqueue(StreamDelivery delivery);

    void Resubscribe();
}
