using Microsoft.CodeAnalysis;
using Xunit;

namespace GrainStream.Tests.Generators;

/// <summary>Grain interfaces and classes the generator cannot serve are compile errors that name
/// the interface and member, and they get no generated code.</summary>
public sealed class DiagnosticTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using GrainStream;

        namespace Sample;

        """;

    private static GeneratorRun RunInterface(string members) => GeneratorHarness.Run(Usings + $$"""
        public interface IFoo : IGrainWithStringKey
        {
            {{members}}
        }
        """);

    [Theory]
    [InlineData("int Bar();", "int")]
    [InlineData("void Bar();", "void")]
    [InlineData("IAsyncEnumerable<int> Bar();", "System.Collections.Generic.IAsyncEnumerable<int>")]
    [InlineData("Task<int>[] Bar();", "System.Threading.Tasks.Task<int>[]")]
    public void Method_not_returning_a_task_reports_GS0001(string member, string shownType)
    {
        var diagnostic = RunInterface(member).SingleDiagnostic("GS0001");

        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal("GrainStream", diagnostic.Descriptor.Category);
        Assert.Equal($"Grain interface method 'IFoo.Bar' returns '{shownType}'; grain methods must return Task, Task<T>, ValueTask or ValueTask<T>", diagnostic.GetMessage());
    }

    [Fact]
    public void Method_returning_int_reports_GS0001_at_the_method()
    {
        var run = RunInterface("int Bar();");
        var diagnostic = run.SingleDiagnostic("GS0001");

        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal("Sample.cs", span.Path);
        Assert.Equal(9, span.StartLinePosition.Line); // zero-based line of "int Bar();"
        Assert.Equal("Bar", run.Output.SyntaxTrees.First().GetText().ToString(diagnostic.Location.SourceSpan));
    }

    [Theory]
    [InlineData("Task Bar(ref int value);", "a ref")]
    [InlineData("Task Bar(out int value);", "an out")]
    [InlineData("Task Bar(in int value);", "an in")]
    [InlineData("Task Bar(ref readonly int value);", "a ref readonly")]
    [InlineData("Task Bar(CancellationToken value);", "a CancellationToken")]
    [InlineData("Task Bar(CancellationToken? value);", "a CancellationToken")]
    [InlineData("Task Bar(Span<int> value);", "a ref struct")]
    public void By_reference_and_cancellation_token_parameters_report_GS0002(string member, string kind)
    {
        var diagnostic = RunInterface(member).SingleDiagnostic("GS0002");

        Assert.StartsWith($"Grain interface method 'IFoo.Bar' has {kind} parameter 'value';", diagnostic.GetMessage());
    }

    [Fact]
    public void Generic_method_reports_GS0003()
    {
        var diagnostic = RunInterface("Task<T> Bar<T>(T value);").SingleDiagnostic("GS0003");

        Assert.Equal("Grain interface method 'IFoo.Bar' is generic; grain interface methods cannot have type parameters", diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("Task<int> Count { get; }", "property 'Count'")]
    [InlineData("event EventHandler Changed;", "event 'Changed'")]
    [InlineData("Task<int> this[int index] { get; }", "indexer 'this[]'")]
    public void Property_event_or_indexer_reports_GS0004(string member, string what)
    {
        var diagnostic = RunInterface(member).SingleDiagnostic("GS0004");

        Assert.Equal($"Grain interface 'IFoo' declares {what}; grain interfaces may only declare methods", diagnostic.GetMessage());
    }

    [Fact]
    public void Generic_grain_interface_reports_GS0005()
    {
        var run = GeneratorHarness.Run(Usings + """
            public interface IBox<T> : IGrainWithStringKey
            {
                Task<T> Get();
            }
            """);

        Assert.Equal("Grain interface 'IBox' is generic or nested in a generic type; generic grain interfaces are not supported", run.SingleDiagnostic("GS0005").GetMessage());
        Assert.Empty(run.GeneratedSources);
    }

    [Fact]
    public void PersistentState_parameter_of_another_type_reports_GS0006()
    {
        var run = GeneratorHarness.Run(Usings + """
            public sealed class CounterGrain([PersistentState("count")] int count) : Grain
            {
                public int Count => count;
            }
            """);

        var diagnostic = run.SingleDiagnostic("GS0006");
        Assert.Equal("Grain class 'CounterGrain' cannot be created: its constructor parameter 'count' has [PersistentState] but its type is 'int', not IPersistentState<T>", diagnostic.GetMessage());
        Assert.Empty(run.GeneratedSources);
    }

    [Fact]
    public void Grain_class_without_public_constructor_reports_GS0006()
    {
        var run = GeneratorHarness.Run(Usings + """
            public sealed class HiddenGrain : Grain
            {
                private HiddenGrain() { }
            }
            """);

        Assert.Equal("Grain class 'HiddenGrain' cannot be created: it has no public constructor", run.SingleDiagnostic("GS0006").GetMessage());
    }

    [Fact]
    public void Private_nested_grain_interface_reports_GS0007()
    {
        var run = GeneratorHarness.Run(Usings + """
            public static class Outer
            {
                private interface ISecret : IGrainWithStringKey
                {
                    Task Ping();
                }
            }
            """);

        Assert.StartsWith("'ISecret' is not accessible to the generated proxies and manifest", run.SingleDiagnostic("GS0007").GetMessage());
    }

    [Fact]
    public void Generic_grain_class_reports_GS0008()
    {
        var run = GeneratorHarness.Run(Usings + """
            public class BoxGrain<T> : Grain
            {
            }
            """);

        Assert.StartsWith("Grain class 'BoxGrain' is generic", run.SingleDiagnostic("GS0008").GetMessage());
    }

    [Fact]
    public void Invalid_interface_gets_no_proxy_and_the_compilation_fails_only_through_the_diagnostic()
    {
        var run = GeneratorHarness.Run(Usings + """
            public interface IBad : IGrainWithStringKey
            {
                int Bar();
                Task Fine();
            }

            public interface IGood : IGrainWithStringKey
            {
                Task Ping();
            }

            public sealed class BadGrain : Grain, IBad, IGood
            {
                public int Bar() => 1;
                public Task Fine() => Task.CompletedTask;
                public Task Ping() => Task.CompletedTask;
            }
            """);

        run.SingleDiagnostic("GS0001");
        run.AssertNoCompilerProblems();
        Assert.DoesNotContain("IBadProxy", run.AllGeneratedText);
        Assert.DoesNotContain("IBad_", run.AllGeneratedText);
        Assert.Contains("IGoodProxy", run.AllGeneratedText);
    }

    [Fact]
    public void Interface_inheriting_an_invalid_interface_is_skipped_and_the_error_reported_once()
    {
        var run = GeneratorHarness.Run(Usings + """
            public interface IBase : IGrainWithStringKey
            {
                Task Bar(ref int value);
            }

            public interface IFirst : IBase
            {
                Task First();
            }

            public interface ISecond : IBase
            {
                Task Second();
            }
            """);

        Assert.Equal("GS0002", Assert.Single(run.GeneratorDiagnostics).Id);
        run.AssertNoCompilerProblems();
        Assert.Empty(run.GeneratedSources);
    }

    [Fact]
    public void Non_grain_base_interface_with_a_void_method_reports_GS0001_at_the_grain_interface()
    {
        var run = GeneratorHarness.Run(Usings + """
            public interface IFoo : IGrainWithStringKey, IDisposable
            {
                Task Ping();
            }
            """);

        var diagnostic = run.SingleDiagnostic("GS0001");
        Assert.Contains("'IDisposable.Dispose' returns 'void'", diagnostic.GetMessage());
        Assert.Equal(7, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
    }
}
