namespace GrainStream;

/// <summary>A grain that receives durable reminders. Unlike timers, reminders survive deactivation
/// and silo restarts: the grain is activated to receive them.</summary>
public interface IRemindable : IGrain
{
    /// <summary>A reminder registered by this grain is due.</summary>
    Task ReceiveReminder(string reminderName);
}
