using System.ComponentModel;

namespace GrainStream.Invocation;

/// <summary>Names the generated manifest of an assembly; the runtime finds grains and proxies
/// through it without scanning types.</summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class GrainManifestAttribute(Type providerType) : Attribute
{
    /// <summary>A type implementing <see cref="IGrainManifestProvider"/> with a public parameterless constructor.</summary>
    public Type ProviderType { get; } = providerType;
}

/// <summary>Implemented by generated code: adds an assembly's grain interfaces and classes.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface IGrainManifestProvider
{
    /// <summary>Adds the assembly's descriptors.</summary>
    void Populate(GrainManifestBuilder builder);
}

/// <summary>A grain interface: its proxy factory and one invokable factory per declared method
/// (index = method id).</summary>
/// <param name="InterfaceType">The interface.</param>
/// <param name="InterfaceId">Its stable id.</param>
/// <param name="InterfaceName">Its full name.</param>
/// <param name="ProxyFactory">Creates a proxy for a grain id.</param>
/// <param name="Methods">Creates an empty invokable for each method id, to be filled from a message.</param>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed record GrainInterfaceDescriptor(
    Type InterfaceType,
    int InterfaceId,
    string InterfaceName,
    Func<GrainId, IGrainCallRuntime, GrainReference>? ProxyFactory,
    IReadOnlyList<Func<Invokable>> Methods);

/// <summary>A grain class: its type name, the grain interfaces it implements, and its factory.</summary>
/// <param name="GrainClass">The class.</param>
/// <param name="GrainType">The grain type name used in <see cref="GrainId"/>.</param>
/// <param name="Interfaces">The grain interfaces it implements.</param>
/// <param name="IsReentrant">True when marked <see cref="ReentrantAttribute"/>.</param>
/// <param name="Factory">Creates an instance, resolving constructor services and persistent state.</param>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed record GrainClassDescriptor(
    Type GrainClass,
    string GrainType,
    IReadOnlyList<Type> Interfaces,
    bool IsReentrant,
    Func<IGrainActivationContext, Grain> Factory);

/// <summary>Collects descriptors from generated manifests.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class GrainManifestBuilder
{
    /// <summary>The interfaces added so far.</summary>
    public List<GrainInterfaceDescriptor> Interfaces { get; } = [];

    /// <summary>The grain classes added so far.</summary>
    public List<GrainClassDescriptor> GrainClasses { get; } = [];

    /// <summary>Adds an interface.</summary>
    public void AddInterface(GrainInterfaceDescriptor descriptor) => Interfaces.Add(descriptor);

    /// <summary>Adds a grain class.</summary>
    public void AddGrainClass(GrainClassDescriptor descriptor) => GrainClasses.Add(descriptor);
}
