namespace GrainStream.Tests.Persistence;

/// <summary>The state of <see cref="SqliteReminderProbeGrain"/>.</summary>
public sealed class SqliteReminderProbeState
{
    public int TimesArmed { get; set; }
}
