using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace GrainStream.Runtime.Catalog;

/// <summary>The activations of one silo, by grain id, and their idle collection.</summary>
internal sealed class Catalog : IDisposable
{
    private readonly ConcurrentDictionary<GrainId, Activation> _activations = new();
    private readonly SiloRuntime _silo;
    private ITimer? _collector;

    public Catalog(SiloRuntime silo) => _silo = silo;

    public int Count => _activations.Count;

    public IEnumerable<Activation> Activations => _activations.Values;

    public bool TryGet(GrainId grainId, out Activation activation) => _activations.TryGetValue(grainId, out activation!);

    /// <summary>The local activation of <paramref name="grainId"/>, created (and activating) when there is none.</summary>
    public Activation GetOrCreate(GrainId grainId, GrainAddress? previous)
    {
        while (true)
        {
            if (_activations.TryGetValue(grainId, out var existing)) return existing;
            if (!_silo.Registry.TryGetClass(grainId.Type, out var grainClass))
            {
                throw new ArgumentException($"Unknown grain type '{grainId.Type}' (grain {grainId}).");
            }
            var activation = new Activation(_silo, grainId, grainClass);
            if (_activations.TryAdd(grainId, activation))
            {
                activation.Activate(previous);
                return activation;
            }
        }
    }

    public void Remove(Activation activation) => _activations.TryRemove(new KeyValuePair<GrainId, Activation>(activation.GrainId, activation));

    public void StartCollector()
    {
        var quantum = _silo.CollectionOptions.CollectionQuantum;
        _collector = _silo.Time.CreateTimer(_ => CollectIdle(), null, quantum, quantum);
    }

    /// <summary>Deactivates every activation idle for longer than the collection age.</summary>
    public int CollectIdle()
    {
        var now = _silo.Time.GetTimestamp();
        var collected = 0;
        foreach (var activation in _activations.Values)
        {
            if (activation.IsIdle(now, _silo.CollectionOptions.CollectionAge))
            {
                activation.StartDeactivation(new DeactivationReason(DeactivationReasonCode.ActivationIdle, "Idle for longer than the collection age."));
                collected++;
            }
        }
        if (collected > 0) _silo.Logger.LogDebug("Collecting {Count} idle activations", collected);
        return collected;
    }

    /// <summary>Deactivates everything (graceful shutdown), waiting at most <paramref name="timeout"/>.</summary>
    public async Task DeactivateAllAsync(DeactivationReason reason, TimeSpan timeout)
    {
        var activations = _activations.Values.ToArray();
        foreach (var activation in activations) activation.StartDeactivation(reason);
        try
        {
            await Task.WhenAll(activations.Select(a => a.Deactivated)).WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _silo.Logger.LogWarning("Some activations did not deactivate within {Timeout}", timeout);
        }
    }

    /// <summary>Abandons every activation (the silo was killed or declared dead).</summary>
    public void AbandonAll()
    {
        foreach (var activation in _activations.Values) activation.Abandon();
        _activations.Clear();
    }

    public void Dispose() => _collector?.Dispose();
}
