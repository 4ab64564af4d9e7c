using System.Collections.Generic;
using System.Linq;
using System.Threading;
using GrainStream.Runtime.Generators.Diagnostics;
using GrainStream.Runtime.Generators.Models;
using Microsoft.CodeAnalysis;

namespace GrainStream.Runtime.Generators.Analysis;

/// <summary>Turns a grain class symbol into a <see cref="GrainClassModel"/>: its grain type name,
/// grain interfaces, reentrancy and how its factory fills the constructor.</summary>
internal static class GrainClassAnalyzer
{
    public static GrainClassModel? Analyze(INamedTypeSymbol type, KnownTypes known, CancellationToken cancellationToken)
    {
        if (!known.IsGrainClass(type)) return null;

        var diagnostics = new List<DiagnosticInfo>();
        var self = LocationInfo.From(type.Locations.FirstOrDefault());
        if (!TypeNames.IsAccessibleInAssembly(type))
        {
            diagnostics.Add(DiagnosticInfo.Create(GrainDiagnostics.Inaccessible, self, type.Name));
        }
        if (TypeNames.IsGenericOrInGeneric(type))
        {
            diagnostics.Add(DiagnosticInfo.Create(GrainDiagnostics.GenericGrainClass, self, type.Name));
        }

        var interfaces = type.AllInterfaces
            .Where(i => known.IsGrainInterface(i) && TypeNames.IsAccessibleInAssembly(i))
            .Select(TypeNames.Qualified)
            .ToArray();

        var isReentrant = false;
        for (var current = type; current is not null && !isReentrant; current = current.BaseType)
        {
            isReentrant = KnownTypes.HasAttribute(current, known.ReentrantAttribute);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var arguments = DescribeConstructor(type, known, diagnostics, self);

        return new GrainClassModel(
            TypeNames.MetadataFullName(type),
            TypeNames.Qualified(type),
            GrainTypeName(type, known),
            new EquatableArray<string>(interfaces),
            isReentrant,
            new EquatableArray<ConstructorArgumentModel>(arguments),
            new EquatableArray<DiagnosticInfo>(diagnostics));
    }

    /// <summary>[GrainType("x")] when present, else the class name lower-cased without a trailing
    /// "grain" (kept when it is the whole name): ChatRoomGrain is "chatroom".</summary>
    public static string GrainTypeName(INamedTypeSymbol type, KnownTypes known)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, known.GrainTypeAttribute)
                && attribute.ConstructorArguments.Length == 1
                && attribute.ConstructorArguments[0].Value is string { Length: > 0 } explicitName)
            {
                return explicitName;
            }
        }
        var name = type.Name.ToLowerInvariant();
        const string suffix = "grain";
        return name.Length > suffix.Length && name.EndsWith(suffix, System.StringComparison.Ordinal)
            ? name.Substring(0, name.Length - suffix.Length)
            : name;
    }

    private static List<ConstructorArgumentModel> DescribeConstructor(INamedTypeSymbol type, KnownTypes known, List<DiagnosticInfo> diagnostics, LocationInfo? self)
    {
        var arguments = new List<ConstructorArgumentModel>();
        // The richest public constructor is the one meant for dependency injection; ties go to
        // the first declared.
        var constructor = type.InstanceConstructors
            .Where(c => c.DeclaredAccessibility == Accessibility.Public)
            .OrderByDescending(c => c.Parameters.Length)
            .FirstOrDefault();
        if (constructor is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(GrainDiagnostics.UncreatableGrainClass, self, type.Name, "it has no public constructor"));
            return arguments;
        }

        foreach (var parameter in constructor.Parameters)
        {
            var location = LocationInfo.From(parameter.Locations.FirstOrDefault()) ?? self;
            if (parameter.RefKind is RefKind.Ref or RefKind.Out or RefKind.RefReadOnlyParameter)
            {
                diagnostics.Add(DiagnosticInfo.Create(GrainDiagnostics.UncreatableGrainClass, location, type.Name,
                    $"its constructor parameter '{parameter.Name}' is passed by reference"));
                continue;
            }

            var persistentState = parameter.GetAttributes()
                .FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, known.PersistentStateAttribute));
            if (persistentState is null)
            {
                arguments.Add(new ConstructorArgumentModel(ServiceTypeName(parameter.Type), false, null, null));
                continue;
            }

            if (parameter.Type is INamedTypeSymbol stateType && KnownTypes.Is(stateType, known.IPersistentState))
            {
                var values = persistentState.ConstructorArguments;
                var stateName = values.Length > 0 ? values[0].Value as string : null;
                var storageName = values.Length > 1 ? values[1].Value as string : null;
                arguments.Add(new ConstructorArgumentModel(TypeNames.Qualified(stateType.TypeArguments[0]), true, stateName, storageName));
            }
            else
            {
                diagnostics.Add(DiagnosticInfo.Create(GrainDiagnostics.UncreatableGrainClass, location, type.Name,
                    $"its constructor parameter '{parameter.Name}' has [PersistentState] but its type is '{parameter.Type.ToDisplayString()}', not IPersistentState<T>"));
            }
        }
        return arguments;
    }

    /// <summary>The type to ask the service provider for. GetRequiredService&lt;T&gt; has a notnull
    /// constraint, so nullability is dropped (T? converts to the parameter implicitly).</summary>
    private static string ServiceTypeName(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            return TypeNames.Qualified(nullable.TypeArguments[0]);
        }
        return TypeNames.Qualified(type.WithNullableAnnotation(NullableAnnotation.NotAnnotated));
    }
}
