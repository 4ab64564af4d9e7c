using GrainStream.Streams;

namespace GrainStream;

/// <summary>The runtime's side of one activation, as seen by the <see cref="Grain"/> it hosts.</summary>
public interface IGrainContext
{
    /// <summary>The grain's identity.</summary>
    GrainId GrainId { get; }

    /// <summary>The factory for references to other grains.</summary>
    IGrainFactory GrainFactory { get; }

    /// <summary>The silo's services.</summary>
    IServiceProvider Services { get; }

    /// <summary>The clock of the silo.</summary>
    TimeProvider TimeProvider { get; }

    /// <summary>Deactivates the activation once the current turn and queued work are done.</summary>
    void DeactivateOnIdle();

    /// <summary>Keeps the activation from being collected as idle for at least <paramref name="period"/>.</summary>
    void DelayDeactivation(TimeSpan period);

    /// <summary>Registers a timer whose ticks run as turns of this activation.</summary>
    IGrainTimer RegisterTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options);

    /// <summary>The named stream provider.</summary>
    IStreamProvider GetStreamProvider(string name);

    /// <summary>Registers (or moves) a durable reminder of this grain, which must implement <see cref="IRemindable"/>.</summary>
    Task RegisterOrUpdateReminder(string reminderName, TimeSpan dueTime, TimeSpan period);

    /// <summary>Removes a reminder of this grain.</summary>
    Task UnregisterReminder(string reminderName);
}

/// <summary>What the runtime offers a generated activation factory: services and persistent state.</summary>
public interface IGrainActivationContext
{
    /// <summary>The identity of the grain being created.</summary>
    GrainId GrainId { get; }

    /// <summary>A required constructor service; a clear exception names the grain and the missing type.</summary>
    T GetRequiredService<T>() where T : notnull;

    /// <summary>The state injected for a <see cref="PersistentStateAttribute"/> parameter. It is read
    /// from storage before <see cref="Grain.OnActivateAsync"/>.</summary>
    IPersistentState<T> GetPersistentState<T>(string stateName, string? storageName) where T : new();
}
