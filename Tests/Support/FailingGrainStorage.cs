using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;

namespace GrainStream.Tests.Support;

/// <summary>A grain storage in front of the silo's SQLite one whose writes fail, without writing
/// anything, while <see cref="Failure"/> is set: a full disk, on demand.</summary>
public sealed class FailingGrainStorage(IGrainStorage inner) : IGrainStorage
{
    /// <summary>What every write and clear throws while set; null: they go through.</summary>
    public Exception? Failure { get; set; }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        => Failure is { } failure ? Task.FromException(failure) : inner.WriteStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        => Failure is { } failure ? Task.FromException(failure) : inner.ClearStateAsync(stateName, grainId, grainState);

    /// <summary>Makes the default grain storage a failing one in front of the SQLite storage;
    /// <paramref name="created"/> gets it (one per silo).</summary>
    public static void Decorate(IServiceCollection services, Action<FailingGrainStorage> created)
        => GrainStorageDecorator.Decorate(services, inner => new FailingGrainStorage(inner), created);
}
