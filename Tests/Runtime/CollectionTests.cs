using GrainStream.Runtime.Configuration;
using GrainStream.Runtime.Hosting;
using GrainStream.Tests.Support;
using GrainStream.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Runtime;

public sealed class CollectionTests
{
    [Fact]
    public async Task Activation_idle_for_longer_than_the_collection_age_is_deactivated_and_comes_back_on_next_call()
    {
        var clock = new ManualClock();
        await using var cluster = await ClusterFactory.StartAsync(1, b => b.ConfigureSilo(s =>
        {
            s.Services.AddSingleton<TimeProvider>(clock);
            s.Configure<GrainCollectionOptions>(o =>
            {
                o.CollectionAge = TimeSpan.FromMinutes(10);
                o.CollectionQuantum = TimeSpan.FromMinutes(1);
            });
        }));
        var silo = cluster.Silos[0].Silo;
        var grain = cluster.Silos[0].GrainFactory.GetGrain<IIdentityGrain>("idle");
        var grainId = new GrainId("identity", "idle");
        var first = await grain.GetActivationId();

        clock.Advance(TimeSpan.FromMinutes(6));
        Assert.True(silo.Runtime.Catalog.TryGet(grainId, out _), "collected before its age");
        Assert.Equal(first, await grain.GetActivationId()); // activity restarts the idle clock
        // The reply can arrive before its turn has finished, and the idle clock starts when the turn
        // ends: let it end before time moves on, or it would count from a later time.
        Assert.True(silo.Runtime.Catalog.TryGet(grainId, out var activation));
        await Eventually.TrueAsync(() => activation.IsIdle(clock.GetTimestamp(), TimeSpan.Zero), "the call's turn to finish");

        clock.Advance(TimeSpan.FromMinutes(9));
        Assert.True(silo.Runtime.Catalog.TryGet(grainId, out _), "collected although it was used 9 minutes ago");

        clock.Advance(TimeSpan.FromMinutes(2));
        await Eventually.TrueAsync(() => !silo.Runtime.Catalog.TryGet(grainId, out _), "the idle activation to be collected");
        Assert.NotEqual(first, await grain.GetActivationId());
    }
}
