using System.Collections.Concurrent;

namespace GrainStream.Tests.Persistence;

/// <summary>See <see cref="ISqliteReminderProbeGrain"/>. Its reminder ticks complete whatever a test
/// is listening with for its key; ticks nobody listens for are ignored.</summary>
public sealed class SqliteReminderProbeGrain([PersistentState("probe")] IPersistentState<SqliteReminderProbeState> state) : Grain, ISqliteReminderProbeGrain, IRemindable
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Listeners = new();

    /// <summary>Completes at the next <c>lease</c> tick of the grain <paramref name="key"/> from now on.</summary>
    public static Task NextTickAsync(string key) => Listeners.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public async Task ArmAsync(TimeSpan dueTime, TimeSpan period)
    {
        state.State.TimesArmed++;
        await state.WriteStateAsync();
        await this.RegisterOrUpdateReminder("lease", dueTime, period);
    }

    public Task<int> GetTimesArmedAsync() => Task.FromResult(state.State.TimesArmed);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == "lease" && Listeners.TryGetValue(this.GetPrimaryKeyString(), out var listener)) listener.TrySetResult();
        return Task.CompletedTask;
    }
}
