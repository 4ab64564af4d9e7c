namespace GrainStream.Runtime.Reminders;

/// <summary>The cluster's durable reminders (a system grain with one activation cluster-wide). Every
/// silo wakes it at start and keeps waking it, so after a failure it comes back on another silo
/// with its table reloaded from storage.</summary>
public interface IReminderRegistryGrain : IGrainWithStringKey
{
    /// <summary>Adds or replaces a reminder.</summary>
    Task Register(ReminderEntry entry);

    /// <summary>Removes a reminder.</summary>
    Task Unregister(GrainId grainId, string reminderName);

    /// <summary>Makes sure the registry is active and ticking.</summary>
    [AlwaysInterleave]
    Task EnsureRunning();

    /// <summary>The registered reminders (diagnostics and tests).</summary>
    [ReadOnly]
    Task<IReadOnlyList<ReminderEntry>> List();
}

/// <summary>A reminder: which grain, its name, when it is next due, and its period.</summary>
/// <param name="GrainId">The grain to remind.</param>
/// <param name="Name">The reminder's name within the grain.</param>
/// <param name="NextDue">When it fires next.</param>
/// <param name="Period">Time between firings; <see cref="Timeout.InfiniteTimeSpan"/> fires once.</param>
[Immutable]
public sealed record ReminderEntry(GrainId GrainId, string Name, DateTimeOffset NextDue, TimeSpan Period);

/// <summary>The stored reminder table.</summary>
public sealed class ReminderTableState
{
    /// <summary>All reminders.</summary>
    public List<ReminderEntry> Entries { get; set; } = [];
}
