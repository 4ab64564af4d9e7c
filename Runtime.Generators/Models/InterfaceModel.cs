namespace GrainStream.Runtime.Generators.Models;

/// <summary>An interface that declares methods a proxy implements: a grain interface itself or one
/// it inherits, from source or from a referenced assembly.</summary>
/// <param name="FullName">Metadata full name, e.g. <c>My.Ns.Outer+IFoo</c>; equals <c>Type.FullName</c>.</param>
/// <param name="TypeName">Fully qualified C# name, e.g. <c>global::My.Ns.Outer.IFoo</c>.</param>
/// <param name="ShortName">Identifier-safe name for generated types, e.g. <c>Outer_IFoo</c>.</param>
/// <param name="InterfaceId"><c>StableHash.Fnv1a32(FullName)</c>.</param>
/// <param name="Methods">The methods it declares, indexed by method id.</param>
internal sealed record InterfaceModel(
    string FullName,
    string TypeName,
    string ShortName,
    int InterfaceId,
    EquatableArray<MethodModel> Methods);
