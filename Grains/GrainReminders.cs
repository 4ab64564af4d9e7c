namespace GrainStream.Grains;

/// <summary>Reminder conveniences the platform's grains share.</summary>
internal static class GrainReminders
{
    /// <summary>Removes the grain's reminder named <paramref name="reminderName"/> when it has one.</summary>
    public static async Task UnregisterReminderIfAny(this Grain grain, string reminderName)
    {
        if (await grain.GetReminder(reminderName) is { } reminder) await grain.UnregisterReminder(reminder);
    }
}
