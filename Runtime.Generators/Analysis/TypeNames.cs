using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace GrainStream.Runtime.Generators.Analysis;

/// <summary>How symbols are named in generated code, in ids and in generated type names.</summary>
internal static class TypeNames
{
    /// <summary><c>global::</c>-qualified, keywords for special types, '?' kept so that explicit
    /// implementations match the interface's nullability exactly.</summary>
    public static readonly SymbolDisplayFormat FullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static string Qualified(ITypeSymbol type) => type.ToDisplayString(FullyQualified);

    /// <summary>The CLR full name (<c>Type.FullName</c>): namespace, then containing types joined by '+'.
    /// Interface ids hash this, so it must match what the runtime would compute from the Type.</summary>
    public static string MetadataFullName(INamedTypeSymbol type)
    {
        var name = type.MetadataName;
        for (var containing = type.ContainingType; containing is not null; containing = containing.ContainingType)
        {
            name = containing.MetadataName + "+" + name;
        }
        // Walk the namespaces by their metadata names: a display string could add '@' escapes.
        for (var ns = type.ContainingNamespace; ns is not null && !ns.IsGlobalNamespace; ns = ns.ContainingNamespace)
        {
            name = ns.MetadataName + "." + name;
        }
        return name;
    }

    /// <summary>The type's name with its containing types, as one identifier: <c>Outer_IFoo</c>.</summary>
    public static string ShortIdentifier(INamedTypeSymbol type)
    {
        var name = type.Name;
        for (var containing = type.ContainingType; containing is not null; containing = containing.ContainingType)
        {
            name = containing.Name + "_" + name;
        }
        return Sanitize(name);
    }

    /// <summary>Replaces every character that cannot appear in an identifier by '_'.</summary>
    public static string Sanitize(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            builder.Append(char.IsLetterOrDigit(c) || c == '_' ? c : '_');
        }
        if (builder.Length == 0 || char.IsDigit(builder[0])) builder.Insert(0, '_');
        return builder.ToString();
    }

    /// <summary>Prefixes '@' to names that are C# keywords (a parameter named <c>class</c>).</summary>
    public static string EscapeIdentifier(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>True when code in another class of the same assembly can name the type.</summary>
    public static bool IsAccessibleInAssembly(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.IsFileLocal) return false;
            switch (current.DeclaredAccessibility)
            {
                case Accessibility.Public:
                case Accessibility.Internal:
                case Accessibility.ProtectedOrInternal:
                    break;
                default:
                    return false;
            }
        }
        return true;
    }

    /// <summary>True for a generic type or one nested in a generic type.</summary>
    public static bool IsGenericOrInGeneric(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.IsGenericType) return true;
        }
        return false;
    }
}
