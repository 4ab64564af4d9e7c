using System.Globalization;
using GrainStream.Storage;

namespace GrainStream.Runtime.Storage;

/// <summary>Grain state in process memory, with the same version checks as durable providers. Shared
/// by the silos of one process; lost when the process ends.</summary>
public sealed class MemoryGrainStorage : IGrainStorage
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string State, GrainId Grain), StoredGrainState> _states = [];
    private long _version;

    /// <inheritdoc/>
    public Task<StoredGrainState?> ReadAsync(string stateName, GrainId grainId, CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult(_states.GetValueOrDefault((stateName, grainId)));
    }

    /// <inheritdoc/>
    public Task<string> WriteAsync(string stateName, GrainId grainId, ReadOnlyMemory<byte> data, string? expectedEtag, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var current = _states.GetValueOrDefault((stateName, grainId));
            Check(stateName, grainId, current, expectedEtag);
            var etag = (++_version).ToString(CultureInfo.InvariantCulture);
            _states[(stateName, grainId)] = new StoredGrainState(data.ToArray(), etag);
            return Task.FromResult(etag);
        }
    }

    /// <inheritdoc/>
    public Task ClearAsync(string stateName, GrainId grainId, string? expectedEtag, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var current = _states.GetValueOrDefault((stateName, grainId));
            Check(stateName, grainId, current, expectedEtag);
            _states.Remove((stateName, grainId));
            return Task.CompletedTask;
        }
    }

    private static void Check(string stateName, GrainId grainId, StoredGrainState? current, string? expectedEtag)
    {
        if (current?.Etag != expectedEtag)
        {
            throw new InconsistentStateException(
                $"State '{stateName}' of {grainId} is at version '{current?.Etag ?? "(none)"}' but the write expected '{expectedEtag ?? "(none)"}'.",
                current?.Etag, expectedEtag);
        }
    }
}
