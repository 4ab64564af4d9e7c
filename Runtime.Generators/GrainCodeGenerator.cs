using System.Threading;
using GrainStream.Runtime.Generators.Analysis;
using GrainStream.Runtime.Generators.Emitters;
using GrainStream.Runtime.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GrainStream.Runtime.Generators;

/// <summary>Generates, for the grain interfaces and grain classes declared in a compilation, the
/// invokables, proxies and manifest the GrainStream runtime uses instead of reflection.</summary>
/// <remarks>Symbols are turned into value-equal models inside the transforms; everything after
/// compares by value, so an edit that does not change a grain's shape re-emits nothing.</remarks>
[Generator(LanguageNames.CSharp)]
public sealed class GrainCodeGenerator : IIncrementalGenerator
{
    /// <summary>Step names for incremental-caching tests.</summary>
    public const string TargetStep = "GrainStream.Target";

    /// <inheritdoc cref="TargetStep"/>
    public const string InterfacesStep = "GrainStream.Interfaces";

    /// <inheritdoc cref="TargetStep"/>
    public const string ClassesStep = "GrainStream.Classes";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var target = context.CompilationProvider
            .Select(static (compilation, _) => new TargetModel(
                compilation.AssemblyName ?? "Assembly",
                compilation.GetTypeByMetadataName("GrainStream.IGrain") is not null))
            .WithTrackingName(TargetStep);

        var interfaces = context.SyntaxProvider
            .CreateSyntaxProvider(
                // A grain interface or class names a base in at least one of its declarations.
                static (node, _) => node is InterfaceDeclarationSyntax { BaseList: not null },
                static (syntax, cancellationToken) => AnalyzeInterface(syntax, cancellationToken))
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(InterfacesStep);

        var classes = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => node is ClassDeclarationSyntax { BaseList: not null },
                static (syntax, cancellationToken) => AnalyzeClass(syntax, cancellationToken))
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(ClassesStep);

        var all = target.Combine(interfaces.Collect()).Combine(classes.Collect());
        context.RegisterSourceOutput(all, static (output, input) =>
            GrainSourceOutput.Execute(output, input.Left.Left, input.Left.Right, input.Right));
    }

    private static GrainInterfaceModel? AnalyzeInterface(GeneratorSyntaxContext syntax, CancellationToken cancellationToken)
    {
        if (DeclaredOnce(syntax, cancellationToken) is not { } type || !KnownTypes.MayBeGrainInterface(type)) return null;
        return KnownTypes.Resolve(syntax.SemanticModel.Compilation) is { } known
            ? InterfaceAnalyzer.Analyze(type, known, cancellationToken)
            : null;
    }

    private static GrainClassModel? AnalyzeClass(GeneratorSyntaxContext syntax, CancellationToken cancellationToken)
    {
        if (DeclaredOnce(syntax, cancellationToken) is not { } type || !KnownTypes.MayBeGrainClass(type)) return null;
        return KnownTypes.Resolve(syntax.SemanticModel.Compilation) is { } known
            ? GrainClassAnalyzer.Analyze(type, known, cancellationToken)
            : null;
    }

    /// <summary>The declared type, but only at its first declaration that has a base list, so a
    /// partial type is analysed once however many parts it has.</summary>
    private static INamedTypeSymbol? DeclaredOnce(GeneratorSyntaxContext syntax, CancellationToken cancellationToken)
    {
        if (syntax.SemanticModel.GetDeclaredSymbol(syntax.Node, cancellationToken) is not INamedTypeSymbol type) return null;
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax { BaseList: not null })
            {
                return reference.SyntaxTree == syntax.Node.SyntaxTree && reference.Span == syntax.Node.Span ? type : null;
            }
        }
        return null;
    }
}
