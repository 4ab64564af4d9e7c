using GrainStream.Runtime;
using GrainStream.Runtime.Testing;
using GrainStream.Tests.TestGrains;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Runtime;

public sealed class ClusterTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ClusterFactory.StartAsync(3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Fifty_concurrent_first_calls_from_three_silos_and_a_client_make_one_activation()
    {
        var callers = _cluster.Silos.Select(s => s.GrainFactory).Append(_cluster.Client).ToArray();
        foreach (var key in Enumerable.Range(0, 5).Select(i => $"single-{i}"))
        {
            var ids = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => callers[i % callers.Length].GetGrain<IIdentityGrain>(key).GetActivationId()));
            Assert.Single(ids.Distinct());
            Assert.Equal(1, IdentityGrain.Activations[key]);
        }
    }

    [Fact]
    public async Task Grain_exception_reaches_a_remote_caller_with_its_type_and_message()
    {
        var fromClient = await Assert.ThrowsAsync<InvalidOperationException>(() => _cluster.Client.GetGrain<IThrowingGrain>("remote").Throw("remote failure"));
        Assert.Equal("remote failure", fromClient.Message);

        // From every silo, so that at least two of the calls cross silos.
        foreach (var silo in _cluster.Silos)
        {
            var custom = await Assert.ThrowsAsync<GrainRuleViolationException>(() => silo.GrainFactory.GetGrain<IThrowingGrain>("remote").ThrowCustom());
            Assert.Equal("custom rule broken", custom.Message);
        }
    }

    [Fact]
    public async Task Calls_are_spread_over_the_silos_by_placement()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => _cluster.Client.GetGrain<IIdentityGrain>($"spread-{i}").GetActivationId()));
        Assert.Equal(60, ids.Distinct().Count());
        Assert.All(_cluster.Silos, s => Assert.True(s.Silo.ActivationCount > 0, $"{s} hosts no activation"));
    }

    [Fact]
    public async Task Grains_of_a_killed_silo_come_back_elsewhere_with_their_state()
    {
        var counters = Enumerable.Range(0, 12).Select(i => _cluster.Client.GetGrain<ICounterGrain>($"survivor-{i}")).ToArray();
        foreach (var counter in counters) await counter.Add(5);
        var victim = _cluster.Silos[1];
        await _cluster.KillSiloAsync(victim);
        await _cluster.WaitForLivenessToStabilizeAsync();

        foreach (var counter in counters) Assert.Equal(12, await counter.Add(7));
        Assert.DoesNotContain(_cluster.Silos, s => s.Silo.Address.Equals(victim.Silo.Address));
    }

    [Fact]
    public async Task A_new_silo_joins_and_takes_new_activations()
    {
        var added = await _cluster.StartAdditionalSiloAsync();
        await _cluster.WaitForLivenessToStabilizeAsync();
        await Task.WhenAll(Enumerable.Range(0, 60).Select(i => _cluster.Client.GetGrain<IIdentityGrain>($"joined-{i}").GetActivationId()));
        Assert.True(added.Silo.ActivationCount > 0);
    }

    [Fact]
    public async Task Gracefully_stopped_silo_hands_its_grains_over()
    {
        var counter = _cluster.Client.GetGrain<ICounterGrain>("graceful");
        await counter.Add(1);
        var host = await _cluster.Directory.LookupAsync(new GrainId("counter", "graceful"));
        var silo = _cluster.Silos.Single(s => s.Silo.Address.Equals(host!.Silo));
        await _cluster.StopSiloAsync(silo);
        await _cluster.WaitForLivenessToStabilizeAsync();
        Assert.Equal(3, await counter.Add(2));
    }

    [Fact]
    public async Task A_silo_declared_dead_stops_itself()
    {
        var silo = _cluster.Silos[2].Silo;
        var snapshot = await _cluster.MembershipTable.ReadAllAsync();
        var row = snapshot.Rows.Single(r => r.Entry.Silo.Equals(silo.Address));
        Assert.True(await _cluster.MembershipTable.UpdateRowAsync(row.Entry with { Status = GrainStream.Runtime.Membership.SiloStatus.Dead }, row.ETag, snapshot.Version));
        await silo.Stopped.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(silo.IsRunning);
    }
}
