using GrainStream.Invocation;
using Xunit;

namespace GrainStream.Tests.Generators;

/// <summary>A proxy implements every inherited method; each invokable carries the id of the
/// interface that declares its method, from source or from a referenced assembly.</summary>
public sealed class InheritanceTests
{
    private const string Hierarchy = """
        using System.Threading.Tasks;
        using GrainStream;

        namespace Sample;

        public interface INamed : IGrainWithStringKey
        {
            Task<string> Name();
        }

        public interface ICounted : IGrainWithStringKey
        {
            Task<int> Count();
            Task Reset(int value);
        }

        public interface IResettable
        {
            Task Reset(int value);
        }

        public interface IPlayer : INamed, ICounted, IResettable
        {
            Task<int> Score();
        }

        public static class Outer
        {
            public interface INested : IGrainWithStringKey
            {
                Task Ping();
            }
        }
        """;

    [Fact]
    public async Task Derived_proxy_sends_inherited_methods_with_the_declaring_interface_id()
    {
        var loaded = GeneratorHarness.Run(Hierarchy).AssertCompilesCleanly().Load();
        var manifest = loaded.Manifest();
        var player = loaded.Type("Sample.IPlayer");
        var runtime = new CapturingCallRuntime();
        var proxy = manifest.Interfaces.Single(d => d.InterfaceType == player).ProxyFactory!(new GrainId("player", "1"), runtime);

        await (Task<string>)Reflect.Call(proxy, loaded.Type("Sample.INamed"), "Name")!;
        Assert.Equal(StableHash.Fnv1a32("Sample.INamed"), runtime.Captured!.InterfaceId);
        Assert.Equal(0, runtime.Captured.MethodId);

        await (Task)Reflect.Call(proxy, loaded.Type("Sample.ICounted"), "Reset", 3)!;
        Assert.Equal("Sample.ICounted.Reset", runtime.Captured!.ToString());
        Assert.Equal(1, runtime.Captured.MethodId);

        // The same signature in a second interface is a separate method with its own id.
        await (Task)Reflect.Call(proxy, loaded.Type("Sample.IResettable"), "Reset", 3)!;
        Assert.Equal("Sample.IResettable.Reset", runtime.Captured!.ToString());
        Assert.Equal(StableHash.Fnv1a32("Sample.IResettable"), runtime.Captured.InterfaceId);

        await (Task<int>)Reflect.Call(proxy, player, "Score")!;
        Assert.Equal("Sample.IPlayer.Score", runtime.Captured!.ToString());
    }

    [Fact]
    public void Every_declaring_interface_gets_a_descriptor_and_grain_interfaces_get_proxies()
    {
        var loaded = GeneratorHarness.Run(Hierarchy).AssertCompilesCleanly().Load();

        var descriptors = loaded.Manifest().Interfaces.ToDictionary(d => d.InterfaceName);

        Assert.Equal(["Sample.ICounted", "Sample.INamed", "Sample.IPlayer", "Sample.IResettable", "Sample.Outer+INested"], descriptors.Keys.Order(StringComparer.Ordinal));
        Assert.NotNull(descriptors["Sample.INamed"].ProxyFactory);
        Assert.NotNull(descriptors["Sample.ICounted"].ProxyFactory);
        Assert.NotNull(descriptors["Sample.IPlayer"].ProxyFactory);
        // Not a grain interface: its methods are dispatched, but nobody asks for its proxy.
        Assert.Null(descriptors["Sample.IResettable"].ProxyFactory);
        Assert.Equal(2, descriptors["Sample.ICounted"].Methods.Count);
        Assert.Single(descriptors["Sample.IPlayer"].Methods);
        foreach (var descriptor in descriptors.Values)
        {
            Assert.Equal(descriptor.InterfaceType.FullName, descriptor.InterfaceName);
            Assert.Equal(StableHash.Fnv1a32(descriptor.InterfaceType.FullName!), descriptor.InterfaceId);
        }
    }

    [Fact]
    public async Task Interface_inherited_from_a_referenced_assembly_gets_invokables_and_a_descriptor_without_proxy()
    {
        var library = GeneratorHarness.Run("""
            using System.Threading.Tasks;
            using GrainStream;

            namespace Lib;

            public interface IBase : IGrainWithStringKey
            {
                Task<int> Add(int a, int b);
            }
            """, assemblyName: "Lib").AssertCompilesCleanly();
        var app = GeneratorHarness.Run("""
            using System.Threading.Tasks;
            using GrainStream;

            namespace App;

            public interface IDerived : Lib.IBase
            {
                Task<string> Echo(string text);
            }

            public sealed class DerivedSampleGrain : Grain, IDerived
            {
                public Task<int> Add(int a, int b) => Task.FromResult(a + b);
                public Task<string> Echo(string text) => Task.FromResult(text);
            }
            """, assemblyName: "App", extraReferences: [library.Output.ToMetadataReference()]).AssertCompilesCleanly();
        var loaded = app.Load(library.Output);
        var manifest = loaded.Manifest();

        var inherited = manifest.Interfaces.Single(d => d.InterfaceName == "Lib.IBase");
        Assert.Null(inherited.ProxyFactory);
        Assert.Equal(StableHash.Fnv1a32("Lib.IBase"), inherited.InterfaceId);

        var runtime = new CapturingCallRuntime();
        var derived = manifest.Interfaces.Single(d => d.InterfaceName == "App.IDerived");
        var proxy = derived.ProxyFactory!(new GrainId("derived", "1"), runtime);
        await (Task<int>)Reflect.Call(proxy, inherited.InterfaceType, "Add", 2, 3)!;
        Assert.Equal(inherited.InterfaceId, runtime.Captured!.InterfaceId);

        var grain = manifest.GrainClasses.Single().Factory(new FakeActivationContext());
        var completion = new RecordingCompletion();
        await runtime.Captured.InvokeAsync(grain, completion);
        Assert.Equal(5, completion.Result);
    }
}
