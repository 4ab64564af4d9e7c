namespace GrainStream.Runtime.Generators.Models;

/// <summary>A grain interface declared in this compilation, with every interface whose methods its
/// proxy must implement.</summary>
/// <param name="FullName">Metadata full name (namespace-qualified, '+' for nesting): the sort key.</param>
/// <param name="Closure">The interface itself first, then the interfaces it inherits (markers excluded).</param>
/// <param name="Diagnostics">Problems anywhere in the closure; any one means no code for this interface.</param>
internal sealed record GrainInterfaceModel(
    string FullName,
    EquatableArray<InterfaceModel> Closure,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    public bool IsValid => Diagnostics.IsEmpty;
}
