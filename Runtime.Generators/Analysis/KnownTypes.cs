using Microsoft.CodeAnalysis;

namespace GrainStream.Runtime.Generators.Analysis;

/// <summary>The GrainStream and BCL types the analysis compares against, resolved from one
/// compilation. Lives only inside a transform step; never stored in a pipeline model.</summary>
internal sealed class KnownTypes
{
    private KnownTypes(Compilation compilation, INamedTypeSymbol grainInterface)
    {
        IGrain = grainInterface;
        IGrainWithStringKey = compilation.GetTypeByMetadataName("GrainStream.IGrainWithStringKey");
        IGrainWithGuidKey = compilation.GetTypeByMetadataName("GrainStream.IGrainWithGuidKey");
        IGrainWithIntegerKey = compilation.GetTypeByMetadataName("GrainStream.IGrainWithIntegerKey");
        IAddressable = compilation.GetTypeByMetadataName("GrainStream.IAddressable");
        Grain = compilation.GetTypeByMetadataName("GrainStream.Grain");
        ReadOnlyAttribute = compilation.GetTypeByMetadataName("GrainStream.ReadOnlyAttribute");
        AlwaysInterleaveAttribute = compilation.GetTypeByMetadataName("GrainStream.AlwaysInterleaveAttribute");
        ReentrantAttribute = compilation.GetTypeByMetadataName("GrainStream.ReentrantAttribute");
        GrainTypeAttribute = compilation.GetTypeByMetadataName("GrainStream.GrainTypeAttribute");
        PersistentStateAttribute = compilation.GetTypeByMetadataName("GrainStream.PersistentStateAttribute");
        IPersistentState = compilation.GetTypeByMetadataName("GrainStream.IPersistentState`1");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
    }

    public INamedTypeSymbol IGrain { get; }
    public INamedTypeSymbol? IGrainWithStringKey { get; }
    public INamedTypeSymbol? IGrainWithGuidKey { get; }
    public INamedTypeSymbol? IGrainWithIntegerKey { get; }
    public INamedTypeSymbol? IAddressable { get; }
    public INamedTypeSymbol? Grain { get; }
    public INamedTypeSymbol? ReadOnlyAttribute { get; }
    public INamedTypeSymbol? AlwaysInterleaveAttribute { get; }
    public INamedTypeSymbol? ReentrantAttribute { get; }
    public INamedTypeSymbol? GrainTypeAttribute { get; }
    public INamedTypeSymbol? PersistentStateAttribute { get; }
    public INamedTypeSymbol? IPersistentState { get; }
    public INamedTypeSymbol? Task { get; }
    public INamedTypeSymbol? TaskOfT { get; }
    public INamedTypeSymbol? ValueTask { get; }
    public INamedTypeSymbol? ValueTaskOfT { get; }
    public INamedTypeSymbol? CancellationToken { get; }

    /// <summary>Null when the compilation does not reference GrainStream.Runtime.Abstractions.</summary>
    public static KnownTypes? Resolve(Compilation compilation)
        => compilation.GetTypeByMetadataName("GrainStream.IGrain") is { } grain ? new KnownTypes(compilation, grain) : null;

    /// <summary>A cheap name-only test run before resolving the known types: most interfaces in a
    /// compilation are not grain interfaces.</summary>
    public static bool MayBeGrainInterface(INamedTypeSymbol type)
    {
        if (type.TypeKind != TypeKind.Interface) return false;
        foreach (var inherited in type.AllInterfaces)
        {
            if (IsGrainStreamType(inherited, "IGrain")) return true;
        }
        return false;
    }

    /// <summary>The same cheap test for grain classes.</summary>
    public static bool MayBeGrainClass(INamedTypeSymbol type)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (IsGrainStreamType(current, "Grain")) return true;
        }
        return false;
    }

    private static bool IsGrainStreamType(INamedTypeSymbol type, string name)
        => type.Name == name && type.ContainingType is null
            && type.ContainingNamespace is { Name: "GrainStream", ContainingNamespace.IsGlobalNamespace: true };

    /// <summary>The interfaces that only mark grains (IGrain, the key kinds, IAddressable).</summary>
    public bool IsMarker(INamedTypeSymbol type)
        => Is(type, IGrain) || Is(type, IGrainWithStringKey) || Is(type, IGrainWithGuidKey) || Is(type, IGrainWithIntegerKey) || Is(type, IAddressable);

    /// <summary>An interface inheriting IGrain, other than the markers themselves.</summary>
    public bool IsGrainInterface(INamedTypeSymbol type)
    {
        if (type.TypeKind != TypeKind.Interface || IsMarker(type)) return false;
        foreach (var inherited in type.AllInterfaces)
        {
            if (Is(inherited, IGrain)) return true;
        }
        return false;
    }

    /// <summary>A non-abstract class deriving from GrainStream.Grain.</summary>
    public bool IsGrainClass(INamedTypeSymbol type)
    {
        if (type.TypeKind != TypeKind.Class || type.IsAbstract || type.IsStatic || Grain is null) return false;
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (Is(current, Grain)) return true;
        }
        return false;
    }

    public static bool Is(ITypeSymbol? type, INamedTypeSymbol? known)
        => known is not null && type is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, known);

    public static bool HasAttribute(ISymbol symbol, INamedTypeSymbol? attribute)
    {
        if (attribute is null) return false;
        foreach (var data in symbol.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, attribute)) return true;
        }
        return false;
    }
}
