namespace GrainStream.Runtime.Generators.Models;

/// <summary>A grain class declared in this compilation.</summary>
/// <param name="FullName">Metadata full name: the sort key.</param>
/// <param name="TypeName">Fully qualified C# name.</param>
/// <param name="GrainType">The grain type name used in grain ids.</param>
/// <param name="Interfaces">Fully qualified names of the grain interfaces it implements.</param>
/// <param name="IsReentrant">The class or a base class has [Reentrant].</param>
/// <param name="ConstructorArguments">How the factory obtains each constructor argument.</param>
internal sealed record GrainClassModel(
    string FullName,
    string TypeName,
    string GrainType,
    EquatableArray<string> Interfaces,
    bool IsReentrant,
    EquatableArray<ConstructorArgumentModel> ConstructorArguments,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    public bool IsValid => Diagnostics.IsEmpty;
}

/// <summary>One constructor argument: a service of <paramref name="Type"/>, or, for a
/// [PersistentState] parameter, the named state whose state type is <paramref name="Type"/>.</summary>
internal sealed record ConstructorArgumentModel(string Type, bool IsPersistentState, string? StateName, string? StorageName);
