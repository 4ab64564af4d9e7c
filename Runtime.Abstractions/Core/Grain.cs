using System.ComponentModel;
using System.Globalization;
using GrainStream.Streams;

namespace GrainStream;

/// <summary>Base class of grain implementations. A grain is a virtual actor: it has an identity,
/// owns its state, and handles one call at a time (a turn) unless marked otherwise.</summary>
public abstract class Grain : IAddressable
{
    private IGrainContext? _context;

    /// <summary>The runtime context of this activation.</summary>
    protected IGrainContext GrainContext => _context ?? throw new InvalidOperationException("The grain is not attached to an activation. Grains are created by the runtime; call them through IGrainFactory.");

    /// <summary>This grain's identity.</summary>
    public GrainId GrainId => GrainContext.GrainId;

    /// <summary>Creates references to other grains.</summary>
    protected IGrainFactory GrainFactory => GrainContext.GrainFactory;

    /// <summary>The silo's services.</summary>
    protected IServiceProvider ServiceProvider => GrainContext.Services;

    /// <summary>The silo's clock.</summary>
    protected TimeProvider TimeProvider => GrainContext.TimeProvider;

    /// <summary>Called by the runtime before <see cref="OnActivateAsync"/>. Not for application code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void AttachContext(IGrainContext context) => _context = context;

    /// <summary>Runs once after the state is loaded and before the first call is handled.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs when the activation is about to be removed; not guaranteed when a silo crashes.</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Asks the runtime to deactivate this activation once the current work is done.</summary>
    protected void DeactivateOnIdle() => GrainContext.DeactivateOnIdle();

    /// <summary>Keeps this activation from idle collection for at least <paramref name="period"/>.</summary>
    protected void DelayDeactivation(TimeSpan period) => GrainContext.DelayDeactivation(period);

    /// <summary>Registers a timer. Each tick is a turn; the next tick is scheduled after the
    /// previous one completes, so ticks never overlap each other or (unless
    /// <see cref="GrainTimerCreationOptions.Interleave"/>) other turns.</summary>
    protected IGrainTimer RegisterGrainTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options)
        => GrainContext.RegisterTimer(callback, state, options);

    /// <summary>Registers a timer without state.</summary>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options)
        => GrainContext.RegisterTimer(static (cb, ct) => cb(ct), callback, options);

    /// <summary>Registers a timer with a due time and period.</summary>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
        => RegisterGrainTimer(callback, new GrainTimerCreationOptions(dueTime, period));

    /// <summary>Registers (or moves) a durable reminder: <see cref="IRemindable.ReceiveReminder"/> is
    /// called after <paramref name="dueTime"/> and then every <paramref name="period"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: once), activating the grain if needed, also after
    /// silo restarts. Reminders are coarse (about a second); use timers for finer ticks.</summary>
    protected Task RegisterOrUpdateReminder(string reminderName, TimeSpan dueTime, TimeSpan period)
        => GrainContext.RegisterOrUpdateReminder(reminderName, dueTime, period);

    /// <summary>Removes a reminder of this grain.</summary>
    protected Task UnregisterReminder(string reminderName) => GrainContext.UnregisterReminder(reminderName);

    /// <summary>The named stream provider (see the silo's stream configuration).</summary>
    protected IStreamProvider GetStreamProvider(string name) => GrainContext.GetStreamProvider(name);
}

/// <summary>Accessors for the key of a grain or grain reference.</summary>
public static class GrainKeyExtensions
{
    /// <summary>The string key.</summary>
    public static string GetPrimaryKeyString(this IAddressable grain) => GetId(grain).Key;

    /// <summary>The Guid key of a grain with a Guid key.</summary>
    public static Guid GetPrimaryKey(this IAddressable grain) => Guid.ParseExact(GetId(grain).Key, "N");

    /// <summary>The integer key of a grain with an integer key.</summary>
    public static long GetPrimaryKeyLong(this IAddressable grain) => long.Parse(GetId(grain).Key, CultureInfo.InvariantCulture);

    /// <summary>The grain id of a grain or reference.</summary>
    public static GrainId GetGrainId(this IAddressable grain) => GetId(grain);

    private static GrainId GetId(IAddressable grain) => grain switch
    {
        Grain g => g.GrainId,
        Invocation.GrainReference r => r.GrainId,
        _ => throw new ArgumentException($"{grain.GetType()} is neither a grain nor a grain reference.", nameof(grain)),
    };
}
