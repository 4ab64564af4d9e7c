using Microsoft.Extensions.Logging;

namespace GrainStream.Runtime.Reminders;

/// <summary>Keeps the reminder table in grain state and fires due reminders from a timer.</summary>
[GrainType("sys.reminders")]
internal sealed class ReminderRegistryGrain(
    [PersistentState("reminders")] IPersistentState<ReminderTableState> table,
    ILoggerFactory loggerFactory) : Grain, IReminderRegistryGrain
{
    /// <summary>The key of the one registry.</summary>
    public const string Key = "cluster";

    // Reminders are coarse by design: a second is fine for leases and retries.
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    private readonly ILogger _logger = loggerFactory.CreateLogger("GrainStream.Reminders");

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        RegisterGrainTimer(FireDueAsync, new GrainTimerCreationOptions(Tick, Tick) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public async Task Register(ReminderEntry entry)
    {
        ArgumentException.ThrowIfNullOrEmpty(entry.Name);
        table.State.Entries.RemoveAll(e => e.GrainId == entry.GrainId && e.Name == entry.Name);
        table.State.Entries.Add(entry);
        await table.WriteStateAsync();
    }

    public async Task Unregister(GrainId grainId, string reminderName)
    {
        if (table.State.Entries.RemoveAll(e => e.GrainId == grainId && e.Name == reminderName) > 0) await table.WriteStateAsync();
    }

    public Task EnsureRunning() => Task.CompletedTask;

    public Task<IReadOnlyList<ReminderEntry>> List() => Task.FromResult<IReadOnlyList<ReminderEntry>>([.. table.State.Entries]);

    private async Task FireDueAsync(CancellationToken cancellationToken)
    {
        var now = TimeProvider.GetUtcNow();
        var due = table.State.Entries.Where(e => e.NextDue <= now).ToList();
        if (due.Count == 0) return;
        foreach (var entry in due)
        {
            table.State.Entries.Remove(entry);
            if (entry.Period != Timeout.InfiniteTimeSpan)
            {
                var next = entry.NextDue + entry.Period;
                if (next <= now) next = now + entry.Period;
                table.State.Entries.Add(entry with { NextDue = next });
            }
            _ = FireAsync(entry);
        }
        await table.WriteStateAsync(cancellationToken);
    }

    private async Task FireAsync(ReminderEntry entry)
    {
        try
        {
            await GrainFactory.GetGrain<IRemindable>(entry.GrainId).ReceiveReminder(entry.Name);
        }
        catch (Exception exception)
        {
            _logger.LogWarning(exception, "Reminder {Name} of {GrainId} failed", entry.Name, entry.GrainId);
        }
    }
}
