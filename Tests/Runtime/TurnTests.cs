using GrainStream.Runtime.Testing;
using GrainStream.Tests.TestGrains;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Runtime;

public sealed class TurnTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ClusterFactory.StartAsync(1, responseTimeout: TimeSpan.FromSeconds(2));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IGrainFactory Grains => _cluster.Silos[0].GrainFactory;

    [Fact]
    public async Task Hundred_concurrent_calls_to_a_non_reentrant_grain_never_overlap()
    {
        var grain = Grains.GetGrain<IOverlapProbeGrain>("probe");
        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => grain.Enter()));
        Assert.Equal(1, await grain.MaxOverlap());
    }

    [Fact]
    public async Task Calls_from_a_remote_client_never_overlap_either()
    {
        var grain = _cluster.Client.GetGrain<IOverlapProbeGrain>("remote-probe");
        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => grain.Enter()));
        Assert.Equal(1, await grain.MaxOverlap());
    }

    [Fact]
    public async Task Reentrant_grain_interleaves_calls_at_awaits()
    {
        var grain = Grains.GetGrain<IGateGrain>("reentrant");
        var waiting = grain.WaitForSignal();
        await grain.Signal();
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task AlwaysInterleave_method_runs_while_another_call_awaits()
    {
        var grain = Grains.GetGrain<IInterleavingGateGrain>("interleave");
        var waiting = grain.WaitForSignal();
        await grain.Signal();
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ReadOnly_methods_interleave_with_each_other()
    {
        var grain = Grains.GetGrain<IReadOnlyGateGrain>("readonly");
        var waiting = grain.WaitForSignal();
        await grain.Signal();
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Timer_ticks_never_run_concurrently_with_calls()
    {
        var grain = Grains.GetGrain<IOverlapProbeGrain>("timer");
        await grain.StartTimer(TimeSpan.FromMilliseconds(1));
        var calls = Task.WhenAll(Enumerable.Range(0, 200).Select(_ => grain.Enter()));
        await calls;
        await Eventually.TrueAsync(async () => await grain.TimerTicks() >= 10, "ten timer ticks");
        Assert.Equal(1, await grain.MaxOverlap());
    }

    [Fact]
    public async Task Call_chain_back_into_a_non_reentrant_grain_fails_with_timeout_not_a_hang()
    {
        var a = Grains.GetGrain<IChainGrain>("a");
        var exception = await Assert.ThrowsAsync<TimeoutException>(() => a.CallThrough("b").WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("chaingrain", exception.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("IChainGrain", exception.Message);
        // The grain is usable again once the chain has unwound.
        await a.Ping().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Mutating_an_argument_after_the_call_changes_nothing_in_the_grain()
    {
        var grain = Grains.GetGrain<IKeeperGrain>("keeper");
        var values = new List<int> { 1, 2 };
        var box = new Box { Label = "before" };
        await grain.Keep(values, box);
        values.Add(3);
        box.Label = "after";
        Assert.Equal("1,2|before", await grain.Describe());
    }

    [Fact]
    public async Task Grain_exception_reaches_a_local_caller_with_its_type_and_message()
    {
        var grain = Grains.GetGrain<IThrowingGrain>("local");
        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Throw("local failure"));
        Assert.Equal("local failure", exception.Message);
    }

    [Fact]
    public async Task Deactivated_activation_comes_back_as_a_new_activation_on_next_call()
    {
        var grain = Grains.GetGrain<IIdentityGrain>("collected");
        var first = await grain.GetActivationId();
        var silo = _cluster.Silos[0].Silo;
        await Eventually.TrueAsync(() => silo.Runtime.Catalog.TryGet(new GrainId("identity", "collected"), out var a) && a.IsValid, "activation to be valid");
        silo.Runtime.Catalog.TryGet(new GrainId("identity", "collected"), out var activation);
        activation.StartDeactivation(new DeactivationReason(DeactivationReasonCode.ActivationIdle, "test"));
        await activation.Deactivated.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.NotEqual(first, await grain.GetActivationId());
    }
}
