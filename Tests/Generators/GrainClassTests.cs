using Xunit;

namespace GrainStream.Tests.Generators;

/// <summary>Grain class descriptors: the grain type name rule, the grain interfaces, reentrancy and
/// a factory that fills the constructor from services and persistent state.</summary>
public sealed class GrainClassTests
{
    private const string Grains = """
        using System;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using GrainStream;

        namespace Sample;

        public interface IRoom : IGrainWithStringKey { Task Ping(); }
        public interface IModeratedRoom : IRoom { Task Ban(string user); }
        public interface IPlain { Task Other(); }

        public sealed class Profile { public string Name { get; set; } = ""; }

        public sealed class RoomSampleGrain(
            [PersistentState("profile", "store")] IPersistentState<Profile> profile,
            TimeProvider clock,
            [PersistentState("visits")] IPersistentState<int> visits,
            IComparer<string>? comparer) : Grain, IModeratedRoom, IPlain, IDisposable
        {
            public IPersistentState<Profile> Profile => profile;
            public TimeProvider Clock => clock;
            public IPersistentState<int> Visits => visits;
            public IComparer<string>? Comparer => comparer;
            public Task Ping() => Task.CompletedTask;
            public Task Ban(string user) => Task.CompletedTask;
            public Task Other() => Task.CompletedTask;
            public void Dispose() { }
        }

        public sealed class Sample2Grain2 : Grain { }
        public sealed class PlayerSampleGRAIN : Grain { }
        public sealed class CounterSample : Grain { }

        [GrainType("custom-sample")]
        public sealed class RenamedGrain : Grain { }

        [Reentrant]
        public abstract class ReentrantBase : GrainStream.Grain { }

        public sealed class InheritsReentrancySampleGrain : ReentrantBase { }

        public abstract class AbstractGrain : GrainStream.Grain { }

        public sealed class ConstructorsSampleGrain : GrainStream.Grain
        {
            public ConstructorsSampleGrain() => Chosen = "none";
            public ConstructorsSampleGrain(TimeProvider clock, IComparer<string> comparer) => Chosen = "two";
            public ConstructorsSampleGrain(TimeProvider clock) => Chosen = "one";
            private ConstructorsSampleGrain(TimeProvider a, TimeProvider b, TimeProvider c) => Chosen = "private";
            public string Chosen { get; }
        }

        public static class Container
        {
            public sealed class NestedSampleGrain : GrainStream.Grain { }
            public sealed class Grain : GrainStream.Grain { }
        }
        """;

    private static readonly Lazy<GeneratorRun> Run = new(() => GeneratorHarness.Run(Grains).AssertCompilesCleanly());

    [Fact]
    public void Grain_type_is_the_lower_cased_class_name_without_a_Grain_suffix_unless_named_by_attribute()
    {
        var loaded = Run.Value.Load();

        var types = loaded.Manifest().GrainClasses.ToDictionary(c => c.GrainClass.Name, c => c.GrainType);

        Assert.Equal("roomsample", types["RoomSampleGrain"]);
        Assert.Equal("sample2grain2", types["Sample2Grain2"]);
        Assert.Equal("playersample", types["PlayerSampleGRAIN"]);
        Assert.Equal("countersample", types["CounterSample"]);
        Assert.Equal("grain", types["Grain"]);
        Assert.Equal("custom-sample", types["RenamedGrain"]);
        Assert.Equal("nestedsample", types["NestedSampleGrain"]);
        Assert.DoesNotContain("AbstractGrain", types.Keys);
        Assert.DoesNotContain("ReentrantBase", types.Keys);
    }

    [Fact]
    public void Descriptor_lists_the_grain_interfaces_without_markers_or_plain_interfaces()
    {
        var loaded = Run.Value.Load();

        var room = loaded.Manifest().GrainClasses.Single(c => c.GrainType == "roomsample");

        Assert.Equal(loaded.Type("Sample.RoomSampleGrain"), room.GrainClass);
        Assert.Equal(["Sample.IModeratedRoom", "Sample.IRoom"], room.Interfaces.Select(i => i.FullName!).Order(StringComparer.Ordinal));
        Assert.Empty(loaded.Manifest().GrainClasses.Single(c => c.GrainType == "countersample").Interfaces);
    }

    [Fact]
    public void Reentrant_attribute_on_a_base_class_makes_the_grain_reentrant()
    {
        var loaded = Run.Value.Load();

        var classes = loaded.Manifest().GrainClasses.ToDictionary(c => c.GrainClass.Name);

        Assert.True(classes["InheritsReentrancySampleGrain"].IsReentrant);
        Assert.False(classes["RoomSampleGrain"].IsReentrant);
    }

    [Fact]
    public void Factory_resolves_persistent_state_by_attribute_and_other_parameters_as_services()
    {
        var loaded = Run.Value.Load();
        var context = new FakeActivationContext();
        context.Services[typeof(TimeProvider)] = TimeProvider.System;
        context.Services[typeof(IComparer<string>)] = StringComparer.Ordinal;

        var grain = loaded.Manifest().GrainClasses.Single(c => c.GrainType == "roomsample").Factory(context);

        Assert.IsType(loaded.Type("Sample.RoomSampleGrain"), grain);
        Assert.Equal(
            [(loaded.Type("Sample.Profile"), "profile", (string?)"store"), (typeof(int), "visits", null)],
            context.StateRequests);
        Assert.Same(TimeProvider.System, Reflect.Property(grain, "Clock"));
        Assert.Same(StringComparer.Ordinal, Reflect.Property(grain, "Comparer"));
        Assert.IsType<FakePersistentState<int>>(Reflect.Property(grain, "Visits"));
    }

    [Fact]
    public void Factory_uses_the_public_constructor_with_the_most_parameters()
    {
        var loaded = Run.Value.Load();
        var context = new FakeActivationContext();
        context.Services[typeof(TimeProvider)] = TimeProvider.System;
        context.Services[typeof(IComparer<string>)] = StringComparer.Ordinal;

        var grain = loaded.Manifest().GrainClasses.Single(c => c.GrainType == "constructorssample").Factory(context);

        Assert.Equal("two", Reflect.Property(grain, "Chosen"));
    }

    [Fact]
    public void Generated_factory_reads_as_plain_constructor_call()
    {
        var manifest = Run.Value.Source("GrainManifest_");

        Assert.Contains(
            "static context => new global::Sample.RoomSampleGrain(context.GetPersistentState<global::Sample.Profile>(\"profile\", \"store\"), context.GetRequiredService<global::System.TimeProvider>(), context.GetPersistentState<int>(\"visits\", null), context.GetRequiredService<global::System.Collections.Generic.IComparer<string>>())",
            manifest);
    }
}
