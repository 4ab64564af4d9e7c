using System.Collections.Concurrent;
using System.Text.Json;
using GrainStream.Grains.Queues;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;

namespace GrainStream.Tests.Support;

/// <summary>A grain storage in front of the silo's SQLite one that counts, per grain and state name,
/// the writes and the bytes of JSON they carry (for the states the queue's JSON context knows): for
/// tests that bound what an operation costs to store.</summary>
public sealed class CountingGrainStorage(IGrainStorage inner) : IGrainStorage
{
    private readonly ConcurrentDictionary<(GrainId, string), (int Writes, long Bytes)> _counts = new();

    /// <summary>Writes (and clears) of <paramref name="stateName"/> of <paramref name="grainId"/> so far, and their bytes.</summary>
    public (int Writes, long Bytes) Of(GrainId grainId, string stateName) => _counts.GetValueOrDefault((grainId, stateName));

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await inner.WriteStateAsync(stateName, grainId, grainState);
        var bytes = QueueStateJsonContext.Default.GetTypeInfo(typeof(T)) is { } type ? JsonSerializer.SerializeToUtf8Bytes(grainState.State, type).Length : 0;
        _counts.AddOrUpdate((grainId, stateName), (1, bytes), (_, c) => (c.Writes + 1, c.Bytes + bytes));
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await inner.ClearStateAsync(stateName, grainId, grainState);
        _counts.AddOrUpdate((grainId, stateName), (1, 0), (_, c) => (c.Writes + 1, c.Bytes));
    }

    /// <summary>Makes the default grain storage a counting one in front of the SQLite storage;
    /// <paramref name="created"/> gets it (one per silo).</summary>
    public static void Decorate(IServiceCollection services, Action<CountingGrainStorage> created)
        => GrainStorageDecorator.Decorate(services, inner => new CountingGrainStorage(inner), created);
}
