using GrainStream.Invocation;
using GrainStream.Runtime.Scheduling;
using GrainStream.Runtime.Storage;
using GrainStream.Runtime.Timers;
using GrainStream.Storage;
using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrainStream.Runtime.Catalog;

/// <summary>One live instance of a grain on this silo: its grain object, its mailbox and the rules
/// for which work may start while other work is in progress.</summary>
internal sealed class Activation : IGrainContext, IGrainActivationContext
{
    private enum Status { Activating, Valid, Deactivating, Invalid }

    private readonly SiloRuntime _silo;
    private readonly GrainClassDescriptor _class;
    private readonly Lock _lock = new();
    private readonly Queue<WorkItem> _waiting = new();
    private readonly List<IStateLoader> _states = [];
    private readonly List<GrainTimer> _timers = [];
    private Status _status = Status.Activating;
    private int _running;
    private int _runningReadOnly;
    private int _runningInterleaving;
    private DeactivationReason? _pendingDeactivation;
    private long _keepAliveUntil;

    public Activation(SiloRuntime silo, GrainId grainId, GrainClassDescriptor grainClass)
    {
        _silo = silo;
        _class = grainClass;
        GrainId = grainId;
        Address = new GrainAddress(grainId, silo.Address, Guid.NewGuid());
        Queue = new ActivationTaskQueue(this);
        LastActivity = silo.Time.GetTimestamp();
    }

    public GrainId GrainId { get; }

    public GrainAddress Address { get; }

    public SiloRuntime Silo => _silo;

    public Grain? GrainInstance { get; private set; }

    public ActivationTaskQueue Queue { get; }

    public long LastActivity { get; private set; }

    public bool IsValid => _status == Status.Valid;

    public bool IsInvalid => _status == Status.Invalid;

    /// <summary>Stream subscriptions owned by this activation, ended with it.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<Guid, StreamSubscriptionHandle> StreamSubscriptions { get; } = new();

    public IGrainFactory GrainFactory => _silo.GrainFactory;

    public IServiceProvider Services => _silo.Services;

    public TimeProvider TimeProvider => _silo.Time;

    /// <summary>The activation running the current thread's turn, if any.</summary>
    public static Activation? Current => ActivationTaskQueue.Current?.Owner as Activation;

    /// <summary>Adds work; it starts at once if the interleaving rules allow, else waits its turn.</summary>
    public void Enqueue(WorkItem item)
    {
        bool reroute;
        lock (_lock)
        {
            reroute = _status == Status.Invalid;
            if (!reroute)
            {
                if (_status == Status.Valid && _pendingDeactivation is null && CanStart(item)) Start(item);
                else _waiting.Enqueue(item);
            }
        }
        if (reroute) _silo.Dispatcher.Reroute(item);
    }

    private bool CanStart(WorkItem item)
    {
        if (_running == 0 || _class.IsReentrant) return true;
        var flags = item.Flags;
        if ((flags & InvokeFlags.AlwaysInterleave) != 0) return true;
        // Read-only work may join work that is all read-only or always-interleaving.
        return (flags & InvokeFlags.ReadOnly) != 0 && _running == _runningReadOnly + _runningInterleaving;
    }

    private void Start(WorkItem item)
    {
        _running++;
        var flags = item.Flags;
        if ((flags & InvokeFlags.AlwaysInterleave) != 0) _runningInterleaving++;
        else if ((flags & InvokeFlags.ReadOnly) != 0) _runningReadOnly++;
        item.Owner = this;
        Queue.Post(static state =>
        {
            var work = (WorkItem)state!;
            work.Owner!.Run(work);
        }, item);
    }

    private void Run(WorkItem item)
    {
        ValueTask pending;
        try
        {
            pending = item.ExecuteAsync(this);
        }
        catch (Exception exception)
        {
            _silo.Logger.LogError(exception, "Turn of {GrainId} failed", GrainId);
            Finished(item);
            return;
        }
        if (pending.IsCompleted)
        {
            Observe(pending);
            Finished(item);
        }
        else
        {
            AwaitTurn(pending, item);
        }
    }

    /// <summary>Finishes the turn when <paramref name="pending"/> completes, on the thread that completes it.</summary>
    /// <remarks>Not an async method: its state machine would be the largest allocation of an
    /// asynchronous turn, and its continuation, completed on the activation's thread (where a
    /// SynchronizationContext is current), would be queued to the thread pool rather than inlined.
    /// A call's turn is the invokable's pooled task, whose continuation runs inline at its end.</remarks>
    private static void AwaitTurn(ValueTask pending, WorkItem item)
    {
        item.PendingTurn = pending;
        pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(item.TurnEnded);
    }

    /// <summary>The end of a turn that <see cref="AwaitTurn"/> waited for.</summary>
    internal void EndTurn(WorkItem item)
    {
        var pending = item.PendingTurn;
        item.PendingTurn = default;
        Observe(pending);
        Finished(item);
    }

    private void Observe(ValueTask pending)
    {
        try
        {
            pending.GetAwaiter().GetResult();
        }
        catch (Exception exception)
        {
            _silo.Logger.LogError(exception, "Turn of {GrainId} failed", GrainId);
        }
    }

    private void Finished(WorkItem item)
    {
        DeactivationReason? deactivate = null;
        lock (_lock)
        {
            _running--;
            var flags = item.Flags;
            if ((flags & InvokeFlags.AlwaysInterleave) != 0) _runningInterleaving--;
            else if ((flags & InvokeFlags.ReadOnly) != 0) _runningReadOnly--;
            if (item.CountsAsActivity) LastActivity = _silo.Time.GetTimestamp();
            if (_pendingDeactivation is { } reason && _status == Status.Valid)
            {
                if (_running == 0)
                {
                    _status = Status.Deactivating;
                    deactivate = reason;
                }
            }
            else
            {
                StartWaiting();
            }
        }
        if (deactivate is { } why) PostDeactivation(why);
    }

    // A method of its own: a lambda capturing the reason inside Finished would allocate its closure on every call.
    private void PostDeactivation(DeactivationReason reason) => Queue.Post(_ => _ = DeactivateAsync(reason), null);

    private void StartWaiting()
    {
        if (_status != Status.Valid) return;
        while (_waiting.TryPeek(out var next) && CanStart(next))
        {
            _waiting.Dequeue();
            Start(next);
        }
    }

    /// <summary>Registers in the directory, creates the grain, loads its state and runs
    /// <see cref="Grain.OnActivateAsync"/>; then starts the work that queued meanwhile.</summary>
    public void Activate(GrainAddress? previous) => Queue.Post(_ => _ = ActivateAsync(previous), null);

    private async Task ActivateAsync(GrainAddress? previous)
    {
        try
        {
            var registered = await _silo.Locator.RegisterAsync(Address, previous);
            if (registered != Address)
            {
                // Another silo won the race for this grain: step aside, its calls go there.
                _silo.Locator.RememberLocation(registered);
                Invalidate(reroute: true);
                return;
            }

            using var timeout = new CancellationTokenSource(_silo.CollectionOptions.LifecycleTimeout);
            var grain = _class.Factory(this);
            foreach (var state in _states) await state.LoadAsync(timeout.Token);
            grain.AttachContext(this);
            GrainInstance = grain;
            await grain.OnActivateAsync(timeout.Token);
        }
        catch (Exception exception)
        {
            _silo.Logger.LogWarning(exception, "Activation of {GrainId} failed", GrainId);
            await _silo.Locator.UnregisterAsync(Address);
            List<WorkItem> failed;
            lock (_lock)
            {
                _status = Status.Invalid;
                failed = [.. _waiting];
                _waiting.Clear();
            }
            _silo.Catalog.Remove(this);
            var reason = new InvalidOperationException($"Activation of {GrainId} failed: {exception.GetType().Name}: {exception.Message}", exception);
            foreach (var item in failed) item.Reject(exception is InconsistentStateException or TimeoutException ? exception : reason);
            return;
        }

        lock (_lock)
        {
            _status = Status.Valid;
            LastActivity = _silo.Time.GetTimestamp();
            StartWaiting();
        }
    }

    /// <summary>Deactivates once the running work is done; work arriving meanwhile goes to the next activation.</summary>
    public void StartDeactivation(DeactivationReason reason)
    {
        var now = false;
        lock (_lock)
        {
            if (_pendingDeactivation is not null || _status is Status.Deactivating or Status.Invalid) return;
            _pendingDeactivation = reason;
            if (_status == Status.Valid && _running == 0)
            {
                _status = Status.Deactivating;
                now = true;
            }
        }
        if (now) Queue.Post(_ => _ = DeactivateAsync(reason), null);
    }

    /// <summary>Completes when the activation has been removed.</summary>
    public Task Deactivated => _deactivated.Task;

    private readonly TaskCompletionSource _deactivated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task DeactivateAsync(DeactivationReason reason)
    {
        try
        {
            foreach (var timer in TimersSnapshot()) timer.Dispose();
            foreach (var subscription in StreamSubscriptions.Values.ToArray())
            {
                try
                {
                    await subscription.UnsubscribeAsync();
                }
                catch (Exception exception)
                {
                    _silo.Logger.LogDebug(exception, "Unsubscribing {GrainId} on deactivation failed", GrainId);
                }
            }
            if (GrainInstance is { } grain)
            {
                using var timeout = new CancellationTokenSource(_silo.CollectionOptions.LifecycleTimeout);
                await grain.OnDeactivateAsync(reason, timeout.Token);
            }
        }
        catch (Exception exception)
        {
            _silo.Logger.LogWarning(exception, "OnDeactivateAsync of {GrainId} failed", GrainId);
        }
        try
        {
            await _silo.Locator.UnregisterAsync(Address);
        }
        catch (Exception exception)
        {
            _silo.Logger.LogWarning(exception, "Unregistering {GrainId} failed", GrainId);
        }
        Invalidate(reroute: true);
    }

    /// <summary>Marks the activation gone and sends its waiting work to wherever the grain lives next.</summary>
    public void Invalidate(bool reroute)
    {
        List<WorkItem> pending;
        lock (_lock)
        {
            _status = Status.Invalid;
            pending = [.. _waiting];
            _waiting.Clear();
        }
        _silo.Catalog.Remove(this);
        _deactivated.TrySetResult();
        foreach (var item in pending)
        {
            if (reroute) _silo.Dispatcher.Reroute(item);
            else item.Reject(new SiloUnavailableException($"The activation of {GrainId} was lost."));
        }
    }

    /// <summary>The silo is gone (killed): stop timers and fail waiting work, without running grain code.</summary>
    public void Abandon()
    {
        foreach (var timer in TimersSnapshot()) timer.Dispose();
        List<WorkItem> pending;
        lock (_lock)
        {
            _status = Status.Invalid;
            pending = [.. _waiting];
            _waiting.Clear();
        }
        _deactivated.TrySetResult();
        foreach (var item in pending) item.Reject(new SiloUnavailableException($"Silo {_silo.Address} stopped before {GrainId} could run the call."));
    }

    /// <summary>True when the activation has been idle for at least <paramref name="age"/>.</summary>
    public bool IsIdle(long now, TimeSpan age)
    {
        lock (_lock)
        {
            return _status == Status.Valid && _running == 0 && _waiting.Count == 0 && now >= Interlocked.Read(ref _keepAliveUntil)
                && _silo.Time.GetElapsedTime(LastActivity, now) >= age;
        }
    }

    // IGrainContext

    public void DeactivateOnIdle() => StartDeactivation(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "DeactivateOnIdle was called."));

    public void DelayDeactivation(TimeSpan period)
    {
        var now = _silo.Time.GetTimestamp();
        var until = period >= TimeSpan.FromDays(365) ? long.MaxValue : now + (long)(period.TotalSeconds * _silo.Time.TimestampFrequency);
        Interlocked.Exchange(ref _keepAliveUntil, Math.Max(now, until));
    }

    public IGrainTimer RegisterTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options)
    {
        var timer = new GrainTimer<TState>(this, _silo.Time, callback, state, options, _silo.Logger);
        lock (_lock) _timers.Add(timer);
        timer.Start();
        return timer;
    }

    private GrainTimer[] TimersSnapshot()
    {
        lock (_lock) return [.. _timers];
    }

    internal void RemoveTimer(GrainTimer timer)
    {
        lock (_lock) _timers.Remove(timer);
    }

    public IStreamProvider GetStreamProvider(string name) => _silo.Streams.GetProvider(name);

    public Task RegisterOrUpdateReminder(string reminderName, TimeSpan dueTime, TimeSpan period)
    {
        if (GrainInstance is not IRemindable) throw new InvalidOperationException($"{_class.GrainClass.Name} must implement IRemindable to register reminders.");
        var entry = new Reminders.ReminderEntry(GrainId, reminderName, _silo.Time.GetUtcNow() + dueTime, period);
        return _silo.GrainFactory.GetGrain<Reminders.IReminderRegistryGrain>(Reminders.ReminderRegistryGrain.Key).Register(entry);
    }

    public Task UnregisterReminder(string reminderName)
        => _silo.GrainFactory.GetGrain<Reminders.IReminderRegistryGrain>(Reminders.ReminderRegistryGrain.Key).Unregister(GrainId, reminderName);

    // IGrainActivationContext

    public T GetRequiredService<T>() where T : notnull
        => _silo.Services.GetService<T>() ?? throw new InvalidOperationException($"Grain {GrainId} ({_class.GrainClass.Name}) needs a {typeof(T)} but none is registered with the silo's services.");

    public IPersistentState<T> GetPersistentState<T>(string stateName, string? storageName) where T : new()
    {
        var storage = _silo.GetStorage(storageName);
        var state = new PersistentState<T>(stateName, GrainId, storage, _silo.Serializer);
        _states.Add(state);
        return state;
    }

    public override string ToString() => $"{GrainId} ({Address.ActivationId:N})";
}
