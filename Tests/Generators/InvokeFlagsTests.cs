using GrainStream.Invocation;
using Xunit;

namespace GrainStream.Tests.Generators;

/// <summary>[ReadOnly] and [AlwaysInterleave] on interface methods become the invokable's flags.</summary>
public sealed class InvokeFlagsTests
{
    [Fact]
    public void Method_attributes_become_invoke_flags()
    {
        var run = GeneratorHarness.Run("""
            using System.Threading.Tasks;
            using GrainStream;

            namespace Sample;

            public interface IFlagged : IGrainWithStringKey
            {
                Task Plain();
                [ReadOnly] Task<int> Read();
                [AlwaysInterleave] ValueTask Interleave();
                [ReadOnly, AlwaysInterleave] ValueTask<string> Both();
            }
            """).AssertCompilesCleanly();
        var loaded = run.Load();

        var methods = loaded.Manifest().Interfaces.Single().Methods;

        Assert.Equal(InvokeFlags.None, methods[0]().Flags);
        Assert.Equal(InvokeFlags.ReadOnly, methods[1]().Flags);
        Assert.Equal(InvokeFlags.AlwaysInterleave, methods[2]().Flags);
        Assert.Equal(InvokeFlags.ReadOnly | InvokeFlags.AlwaysInterleave, methods[3]().Flags);
        Assert.DoesNotContain("Flags =>", run.Source("IFlagged").Split("class IFlagged_Read_1Invokable")[0]);
    }
}
