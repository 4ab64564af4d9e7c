using Xunit;

namespace GrainStream.Tests.Generators;

/// <summary>Interface ids computed at generation time equal what the runtime computes from
/// <see cref="Type.FullName"/>, whatever the name looks like.</summary>
public sealed class InterfaceIdTests
{
    [Fact]
    public void Interface_ids_equal_the_runtime_hash_of_the_full_name_for_nested_global_and_non_ASCII_names()
    {
        var run = GeneratorHarness.Run("""
            using System.Threading.Tasks;
            using GrainStream;

            public interface IGlobal : IGrainWithStringKey { Task Ping(); }

            namespace Ünïcode.Ωmega
            {
                public interface IGrüße : IGrainWithStringKey { Task Hallo(); }

                public static class Outer
                {
                    public static class Middle
                    {
                        public interface IInner : IGrainWithStringKey { Task Ping(); }
                    }
                }
            }
            """).AssertCompilesCleanly();
        var loaded = run.Load();

        var descriptors = loaded.Manifest().Interfaces;

        Assert.Equal(["IGlobal", "Ünïcode.Ωmega.IGrüße", "Ünïcode.Ωmega.Outer+Middle+IInner"], descriptors.Select(d => d.InterfaceName).Order(StringComparer.Ordinal));
        Assert.All(descriptors, descriptor =>
        {
            Assert.Equal(descriptor.InterfaceType.FullName, descriptor.InterfaceName);
            Assert.Equal(StableHash.Fnv1a32(descriptor.InterfaceType.FullName!), descriptor.InterfaceId);
            Assert.Equal(descriptor.InterfaceId, descriptor.Methods[0]().InterfaceId);
        });
    }
}
