using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using GrainStream.Invocation;
using GrainStream.Runtime.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace GrainStream.Tests.Generators;

/// <summary>Runs the grain generator over in-memory source, the way the compiler does in a build.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly CSharpCompilationOptions Options = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable);

    /// <summary>The shared framework (from the trusted platform assemblies) plus GrainStream.Runtime.Abstractions.
    /// Test and tool assemblies on the list are left out so they cannot clash with sample types.</summary>
    private static readonly Lazy<ImmutableArray<MetadataReference>> FrameworkReferences = new(() =>
    {
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => string.Equals(Path.GetDirectoryName(path), frameworkDirectory, StringComparison.Ordinal));
        return [.. paths.Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))];
    });

    private static readonly Lazy<MetadataReference> AbstractionsReference = new(() => MetadataReference.CreateFromFile(typeof(IGrain).Assembly.Location));

    public static ImmutableArray<MetadataReference> References(bool withAbstractions = true)
        => withAbstractions ? FrameworkReferences.Value.Add(AbstractionsReference.Value) : FrameworkReferences.Value;

    public static CSharpCompilation CreateCompilation(string source, string assemblyName = "Sample", IEnumerable<MetadataReference>? extraReferences = null, bool withAbstractions = true)
        => CSharpCompilation.Create(
            assemblyName,
            [CSharpSyntaxTree.ParseText(source, ParseOptions, path: assemblyName + ".cs")],
            References(withAbstractions).AddRange(extraReferences ?? []),
            Options);

    public static GeneratorRun Run(string source, string assemblyName = "Sample", IEnumerable<MetadataReference>? extraReferences = null, bool withAbstractions = true)
        => Run(CreateCompilation(source, assemblyName, extraReferences, withAbstractions));

    public static GeneratorRun Run(Compilation compilation)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new GrainCodeGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return new GeneratorRun(driver, output, diagnostics);
    }
}

/// <summary>The outcome of one generator run.</summary>
internal sealed record GeneratorRun(GeneratorDriver Driver, Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    public GeneratorRunResult Result => Driver.GetRunResult().Results.Single();

    public ImmutableArray<GeneratedSourceResult> GeneratedSources => Result.GeneratedSources;

    /// <summary>All generated files, for assertion messages and text checks.</summary>
    public string AllGeneratedText => string.Join("\n", GeneratedSources.Select(s => $"//// {s.HintName}\n{s.SourceText}"));

    public string Source(string hintNameFragment) => GeneratedSources.Single(s => s.HintName.Contains(hintNameFragment, StringComparison.Ordinal)).SourceText.ToString();

    public Diagnostic SingleDiagnostic(string id)
    {
        var matching = GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"Expected one {id}, got: {Describe(GeneratorDiagnostics)}");
        return matching[0];
    }

    /// <summary>Asserts the generator reported nothing and the compilation, generated code included,
    /// has no warnings or errors.</summary>
    public GeneratorRun AssertCompilesCleanly()
    {
        Assert.True(GeneratorDiagnostics.IsEmpty, $"Generator diagnostics: {Describe(GeneratorDiagnostics)}");
        AssertNoCompilerProblems();
        return this;
    }

    /// <summary>Asserts the compilation (with whatever was generated) has no compiler warnings or errors.</summary>
    public void AssertNoCompilerProblems()
    {
        var problems = Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, $"Compiler diagnostics: {Describe(problems)}\n{AllGeneratedText}");
    }

    public LoadedAssembly Load(params Compilation[] dependencies) => LoadedAssembly.Load(Output, dependencies);

    private static string Describe(IEnumerable<Diagnostic> diagnostics)
    {
        var text = new StringBuilder();
        foreach (var diagnostic in diagnostics) text.Append('\n').Append(diagnostic);
        return text.Length == 0 ? "(none)" : text.ToString();
    }
}

/// <summary>A compiled sample loaded into a collectible context; GrainStream.Runtime.Abstractions
/// resolves to the test's own copy, so descriptors and invokables are the test's types.</summary>
/// <remarks>Each distinct sample is loaded once per process and kept: the runtime's registry scans
/// every loaded assembly for manifests, and two copies of one sample would show runtime tests
/// running at the same time two grain classes with the same grain type.</remarks>
internal sealed class LoadedAssembly
{
    private static readonly ConcurrentDictionary<string, Lazy<LoadedAssembly>> Loaded = new(StringComparer.Ordinal);

    private LoadedAssembly(Assembly assembly) => Assembly = assembly;

    public Assembly Assembly { get; }

    public static LoadedAssembly Load(Compilation compilation, params Compilation[] dependencies)
    {
        var key = string.Join("\0", dependencies.Append(compilation).SelectMany(c => c.SyntaxTrees.Select(t => t.ToString()).Prepend(c.AssemblyName)));
        return Loaded.GetOrAdd(key, _ => new Lazy<LoadedAssembly>(() =>
        {
            var context = new InMemoryLoadContext();
            foreach (var dependency in dependencies) context.Add(Emit(dependency));
            return new LoadedAssembly(context.Add(Emit(compilation)));
        })).Value;
    }

    public Type Type(string fullName) => Assembly.GetType(fullName, throwOnError: true)!;

    /// <summary>Populates a builder through the manifests named by the assembly's attributes, as the runtime does.</summary>
    public GrainManifestBuilder Manifest()
    {
        var builder = new GrainManifestBuilder();
        var attributes = Assembly.GetCustomAttributes<GrainManifestAttribute>().ToList();
        Assert.NotEmpty(attributes);
        foreach (var attribute in attributes)
        {
            ((IGrainManifestProvider)Activator.CreateInstance(attribute.ProviderType)!).Populate(builder);
        }
        return builder;
    }

    private static MemoryStream Emit(Compilation compilation)
    {
        var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        stream.Position = 0;
        return stream;
    }

    private sealed class InMemoryLoadContext() : AssemblyLoadContext(isCollectible: true)
    {
        private readonly Dictionary<string, Assembly> _loaded = new(StringComparer.Ordinal);

        public Assembly Add(Stream image)
        {
            var assembly = LoadFromStream(image);
            _loaded[assembly.GetName().Name!] = assembly;
            return assembly;
        }

        // Null defers to the default context, which holds the test's GrainStream assemblies.
        protected override Assembly? Load(AssemblyName assemblyName)
            => _loaded.TryGetValue(assemblyName.Name!, out var assembly) ? assembly : null;
    }
}
