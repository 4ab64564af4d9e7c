namespace GrainStream;

/// <summary>A grain's durable state, injected with <see cref="PersistentStateAttribute"/> and read
/// before activation. Writes are checked against <see cref="Etag"/>: a write based on stale state
/// fails with <see cref="InconsistentStateException"/>.</summary>
public interface IPersistentState<TState> where TState : new()
{
    /// <summary>The state; a new <typeparamref name="TState"/> when none was stored.</summary>
    TState State { get; set; }

    /// <summary>The version of the stored state this copy was read as or written as; null when none is stored.</summary>
    string? Etag { get; }

    /// <summary>True when the state exists in storage.</summary>
    bool RecordExists { get; }

    /// <summary>Reads the state again from storage, discarding unsaved changes.</summary>
    Task ReadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes the state; fails with <see cref="InconsistentStateException"/> when storage
    /// holds a newer version.</summary>
    Task WriteStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes the stored state and resets <see cref="State"/> to a new value.</summary>
    Task ClearStateAsync(CancellationToken cancellationToken = default);
}

/// <summary>A storage operation found a different version than expected: another writer changed
/// the state, or the state was read before a concurrent write.</summary>
public sealed class InconsistentStateException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InconsistentStateException(string message, string? storedEtag, string? currentEtag) : base(message)
    {
        StoredEtag = storedEtag;
        CurrentEtag = currentEtag;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public InconsistentStateException(string message) : base(message)
    {
    }

    /// <summary>The version found in storage.</summary>
    public string? StoredEtag { get; }

    /// <summary>The version the writer expected.</summary>
    public string? CurrentEtag { get; }
}
