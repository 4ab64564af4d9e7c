namespace GrainStream.Tests.Persistence;

/// <summary>A grain that keeps state in the default storage and arms a reminder, as a task grain
/// arms its lease expiry; for the restart test.</summary>
public interface ISqliteReminderProbeGrain : IGrainWithStringKey
{
    /// <summary>Stores that it was armed and registers the reminder <c>lease</c>.</summary>
    Task ArmAsync(TimeSpan dueTime, TimeSpan period);

    /// <summary>How many times <see cref="ArmAsync"/> was called, from stored state.</summary>
    Task<int> GetTimesArmedAsync();
}
