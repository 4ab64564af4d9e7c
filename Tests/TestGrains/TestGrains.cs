using System.Collections.Concurrent;
using GrainStream.Streams;

namespace GrainStream.Tests.TestGrains;

/// <summary>Records how many turns overlap, to check the interleaving rules.</summary>
public interface IOverlapProbeGrain : IGrainWithStringKey
{
    Task Enter();

    Task<int> MaxOverlap();

    Task StartTimer(TimeSpan period);

    Task<int> TimerTicks();
}

public class OverlapProbeGrain : Grain, IOverlapProbeGrain
{
    private int _inside;
    private int _maxOverlap;
    private int _ticks;

    public async Task Enter()
    {
        _maxOverlap = Math.Max(_maxOverlap, ++_inside);
        await Task.Yield();
        await Task.Delay(1);
        _inside--;
    }

    public Task<int> MaxOverlap() => Task.FromResult(_maxOverlap);

    public Task StartTimer(TimeSpan period)
    {
        RegisterGrainTimer(async _ =>
        {
            _ticks++;
            await Enter();
        }, TimeSpan.Zero, period);
        return Task.CompletedTask;
    }

    public Task<int> TimerTicks() => Task.FromResult(_ticks);
}

/// <summary>A call that waits for a signal from another call: it completes only when calls interleave.</summary>
public interface IGateGrain : IGrainWithStringKey
{
    Task WaitForSignal();

    Task Signal();
}

public interface IInterleavingGateGrain : IGrainWithStringKey
{
    Task WaitForSignal();

    [AlwaysInterleave]
    Task Signal();
}

public interface IReadOnlyGateGrain : IGrainWithStringKey
{
    [ReadOnly]
    Task WaitForSignal();

    [ReadOnly]
    Task Signal();
}

[Reentrant]
public class ReentrantGateGrain : Grain, IGateGrain
{
    private readonly TaskCompletionSource _signal = new();

    public Task WaitForSignal() => _signal.Task;

    public Task Signal()
    {
        _signal.TrySetResult();
        return Task.CompletedTask;
    }
}

public class InterleavingGateGrain : Grain, IInterleavingGateGrain
{
    private readonly TaskCompletionSource _signal = new();

    public Task WaitForSignal() => _signal.Task;

    public Task Signal()
    {
        _signal.TrySetResult();
        return Task.CompletedTask;
    }
}

public class ReadOnlyGateGrain : Grain, IReadOnlyGateGrain
{
    private readonly TaskCompletionSource _signal = new();

    public Task WaitForSignal() => _signal.Task;

    public Task Signal()
    {
        _signal.TrySetResult();
        return Task.CompletedTask;
    }
}

/// <summary>Non-reentrant grain whose call chains can loop back to itself.</summary>
public interface IChainGrain : IGrainWithStringKey
{
    Task CallThrough(string other);

    Task CallBack(string origin);

    Task Ping();
}

public class ChainGrain : Grain, IChainGrain
{
    public Task CallThrough(string other) => GrainFactory.GetGrain<IChainGrain>(other).CallBack(this.GetPrimaryKeyString());

    public Task CallBack(string origin) => GrainFactory.GetGrain<IChainGrain>(origin).Ping();

    public Task Ping() => Task.CompletedTask;
}

/// <summary>Reports the identity of its activation, to count activations.</summary>
public interface IIdentityGrain : IGrainWithStringKey
{
    Task<Guid> GetActivationId();
}

public class IdentityGrain : Grain, IIdentityGrain
{
    public static readonly ConcurrentDictionary<string, int> Activations = new();

    private readonly Guid _id = Guid.NewGuid();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Activations.AddOrUpdate(this.GetPrimaryKeyString(), 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public async Task<Guid> GetActivationId()
    {
        await Task.Yield();
        return _id;
    }
}

public interface IThrowingGrain : IGrainWithStringKey
{
    Task Throw(string message);

    Task<int> ThrowCustom();
}

public sealed class GrainRuleViolationException(string message) : Exception(message);

public class ThrowingGrain : Grain, IThrowingGrain
{
    public Task Throw(string message) => throw new InvalidOperationException(message);

    public Task<int> ThrowCustom() => throw new GrainRuleViolationException("custom rule broken");
}

/// <summary>Keeps what it was given, to check arguments are copied.</summary>
public interface IKeeperGrain : IGrainWithStringKey
{
    Task Keep(List<int> values, Box box);

    Task<string> Describe();
}

public sealed class Box
{
    public string Label { get; set; } = "";
}

public class KeeperGrain : Grain, IKeeperGrain
{
    private List<int> _values = [];
    private Box _box = new();

    public Task Keep(List<int> values, Box box)
    {
        _values = values;
        _box = box;
        return Task.CompletedTask;
    }

    public Task<string> Describe() => Task.FromResult($"{string.Join(",", _values)}|{_box.Label}");
}

public sealed class CounterState
{
    public int Value { get; set; }

    public List<string> History { get; set; } = [];
}

/// <summary>A counter kept in persistent state.</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> Add(int amount);

    [ReadOnly]
    Task<int> Get();

    [ReadOnly]
    Task<string?> GetEtag();

    Task Deactivate();
}

public class CounterGrain([PersistentState("counter")] IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    public async Task<int> Add(int amount)
    {
        state.State.Value += amount;
        state.State.History.Add($"+{amount}");
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<int> Get() => Task.FromResult(state.State.Value);

    public Task<string?> GetEtag() => Task.FromResult(state.Etag);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

/// <summary>Publishes and subscribes from inside grains.</summary>
public interface IStreamUserGrain : IGrainWithStringKey
{
    Task<StreamSequenceToken> Publish(string streamKey, int value);

    Task Subscribe(string streamKey);

    Task<List<int>> Received();
}

public class StreamUserGrain : Grain, IStreamUserGrain
{
    private readonly List<int> _received = [];
    private int _inside;

    public Task<StreamSequenceToken> Publish(string streamKey, int value)
        => GetStreamProvider("default").GetStream<int>(new StreamId("test", streamKey)).OnNextAsync(value, "number");

    public async Task Subscribe(string streamKey)
    {
        await GetStreamProvider("default").GetStream<int>(new StreamId("test", streamKey)).SubscribeAsync(async (value, _) =>
        {
            // Deliveries are turns: they never overlap a call or each other.
            if (++_inside != 1) throw new InvalidOperationException("A delivery overlapped another turn.");
            await Task.Yield();
            _received.Add(value);
            _inside--;
        });
    }

    public Task<List<int>> Received() => Task.FromResult(_received.ToList());
}

/// <summary>Counts reminder firings in persistent state.</summary>
public interface IReminderUserGrain : IGrainWithStringKey, IRemindable
{
    Task Start();

    Task Stop();

    [ReadOnly]
    Task<int> Fired();

    Task Deactivate();
}

public class ReminderUserGrain([PersistentState("fired")] IPersistentState<CounterState> fired) : Grain, IReminderUserGrain
{
    public Task Start() => RegisterOrUpdateReminder("tick", TimeSpan.Zero, TimeSpan.FromSeconds(1));

    public Task Stop() => UnregisterReminder("tick");

    public Task<int> Fired() => Task.FromResult(fired.State.Value);

    public async Task ReceiveReminder(string reminderName)
    {
        fired.State.Value++;
        await fired.WriteStateAsync();
    }

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
