namespace GrainStream.Storage;

/// <summary>Stores grain state as opaque UTF-8 JSON bytes with optimistic concurrency: every write
/// names the version it replaces and gets a new one. Implemented by the Memory, SQLite and
/// PostgreSQL providers; <see cref="IPersistentState{TState}"/> sits on top.</summary>
public interface IGrainStorage
{
    /// <summary>Reads the state, or null when none is stored.</summary>
    Task<StoredGrainState?> ReadAsync(string stateName, GrainId grainId, CancellationToken cancellationToken = default);

    /// <summary>Writes the state if the stored version is <paramref name="expectedEtag"/> (null:
    /// nothing may be stored yet) and returns the new version; otherwise throws
    /// <see cref="InconsistentStateException"/> and changes nothing.</summary>
    Task<string> WriteAsync(string stateName, GrainId grainId, ReadOnlyMemory<byte> data, string? expectedEtag, CancellationToken cancellationToken = default);

    /// <summary>Deletes the state if the stored version is <paramref name="expectedEtag"/>; otherwise
    /// throws <see cref="InconsistentStateException"/>. Deleting what is not stored, with a null etag, is a no-op.</summary>
    Task ClearAsync(string stateName, GrainId grainId, string? expectedEtag, CancellationToken cancellationToken = default);
}

/// <summary>Stored state bytes and their version.</summary>
/// <param name="Data">UTF-8 JSON.</param>
/// <param name="Etag">The version; opaque.</param>
public sealed record StoredGrainState(ReadOnlyMemory<byte> Data, string Etag);
