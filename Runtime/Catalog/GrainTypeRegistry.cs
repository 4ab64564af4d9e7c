using System.Collections.Frozen;
using System.Reflection;
using GrainStream.Invocation;

namespace GrainStream.Runtime.Catalog;

/// <summary>Everything the generated manifests describe: which class implements which grain
/// interface, how to create proxies, and how to create invokables for incoming messages. Built once
/// at start-up from the <see cref="GrainManifestAttribute"/>s of the loaded assemblies.</summary>
public sealed class GrainTypeRegistry
{
    private readonly FrozenDictionary<Type, GrainInterfaceDescriptor> _interfaces;
    private readonly FrozenDictionary<long, Func<Invokable>> _invokables;
    private readonly FrozenDictionary<string, GrainClassDescriptor> _classesByType;
    private readonly FrozenDictionary<Type, string> _grainTypeByInterface;

    /// <summary>Builds the registry from manifests.</summary>
    public GrainTypeRegistry(IEnumerable<IGrainManifestProvider> manifests)
    {
        var builder = new GrainManifestBuilder();
        foreach (var manifest in manifests) manifest.Populate(builder);

        var interfaces = new Dictionary<Type, GrainInterfaceDescriptor>();
        var invokables = new Dictionary<long, Func<Invokable>>();
        foreach (var descriptor in builder.Interfaces)
        {
            if (!interfaces.TryGetValue(descriptor.InterfaceType, out var existing) || existing.ProxyFactory is null)
            {
                interfaces[descriptor.InterfaceType] = descriptor;
            }
            for (var method = 0; method < descriptor.Methods.Count; method++)
            {
                invokables.TryAdd(Key(descriptor.InterfaceId, method), descriptor.Methods[method]);
            }
        }

        var classes = new Dictionary<string, GrainClassDescriptor>(StringComparer.Ordinal);
        var byInterface = new Dictionary<Type, string>();
        var ambiguous = new HashSet<Type>();
        foreach (var descriptor in builder.GrainClasses)
        {
            if (classes.TryGetValue(descriptor.GrainType, out var other) && other.GrainClass != descriptor.GrainClass)
            {
                throw new InvalidOperationException($"Grain classes {other.GrainClass} and {descriptor.GrainClass} both have grain type '{descriptor.GrainType}'. Give one a [GrainType] attribute.");
            }
            classes[descriptor.GrainType] = descriptor;
            foreach (var grainInterface in descriptor.Interfaces)
            {
                if (byInterface.TryGetValue(grainInterface, out var otherType) && otherType != descriptor.GrainType) ambiguous.Add(grainInterface);
                byInterface[grainInterface] = descriptor.GrainType;
            }
        }
        foreach (var grainInterface in ambiguous) byInterface.Remove(grainInterface);
        Ambiguous = ambiguous;

        _interfaces = interfaces.ToFrozenDictionary();
        _invokables = invokables.ToFrozenDictionary();
        _classesByType = classes.ToFrozenDictionary(StringComparer.Ordinal);
        _grainTypeByInterface = byInterface.ToFrozenDictionary();
    }

    private IReadOnlySet<Type> Ambiguous { get; }

    /// <summary>All grain classes.</summary>
    public IEnumerable<GrainClassDescriptor> GrainClasses => _classesByType.Values;

    /// <summary>Loads the manifests of every assembly in the app domain that carries one, plus those
    /// referenced from the entry assembly.</summary>
    public static GrainTypeRegistry FromLoadedAssemblies(IEnumerable<Assembly>? extraAssemblies = null)
    {
        var assemblies = new HashSet<Assembly>(AppDomain.CurrentDomain.GetAssemblies());
        if (extraAssemblies is not null) assemblies.UnionWith(extraAssemblies);
        if (Assembly.GetEntryAssembly() is { } entry) LoadReferences(entry, assemblies);
        var manifests = new List<IGrainManifestProvider>();
        var seen = new HashSet<Type>();
        foreach (var assembly in assemblies.OrderBy(a => a.FullName, StringComparer.Ordinal))
        {
            if (assembly.IsDynamic) continue;
            foreach (var attribute in assembly.GetCustomAttributes<GrainManifestAttribute>())
            {
                if (seen.Add(attribute.ProviderType)) manifests.Add((IGrainManifestProvider)Activator.CreateInstance(attribute.ProviderType)!);
            }
        }
        return new GrainTypeRegistry(manifests);
    }

    private static void LoadReferences(Assembly assembly, HashSet<Assembly> loaded)
    {
        foreach (var reference in assembly.GetReferencedAssemblies())
        {
            if (reference.Name is null || reference.Name.StartsWith("System", StringComparison.Ordinal) || reference.Name.StartsWith("Microsoft", StringComparison.Ordinal)) continue;
            try
            {
                var referenced = Assembly.Load(reference);
                if (loaded.Add(referenced)) LoadReferences(referenced, loaded);
            }
            catch (FileNotFoundException)
            {
                // An optional reference that is not deployed carries no grains we could use.
            }
        }
    }

    /// <summary>The grain type implementing <paramref name="grainInterface"/>.</summary>
    public string GetGrainType(Type grainInterface)
    {
        if (_grainTypeByInterface.TryGetValue(grainInterface, out var grainType)) return grainType;
        if (Ambiguous.Contains(grainInterface)) throw new InvalidOperationException($"Several grain classes implement {grainInterface}; ask for a more specific interface.");
        throw new InvalidOperationException($"No grain class implementing {grainInterface} is known. Is its assembly referenced and built with the GrainStream generator?");
    }

    /// <summary>The class for a grain type.</summary>
    public bool TryGetClass(string grainType, out GrainClassDescriptor descriptor) => _classesByType.TryGetValue(grainType, out descriptor!);

    /// <summary>Creates a proxy of <paramref name="grainInterface"/> for <paramref name="grainId"/>.</summary>
    public GrainReference CreateProxy(Type grainInterface, GrainId grainId, IGrainCallRuntime runtime)
    {
        if (!_interfaces.TryGetValue(grainInterface, out var descriptor) || descriptor.ProxyFactory is null)
        {
            throw new InvalidOperationException($"No generated proxy for {grainInterface}. Is it a grain interface in a project built with the GrainStream generator?");
        }
        return descriptor.ProxyFactory(grainId, runtime);
    }

    /// <summary>An empty invokable for an incoming call, or null when the method is unknown here.</summary>
    public Invokable? CreateInvokable(int interfaceId, int methodId)
        => _invokables.TryGetValue(Key(interfaceId, methodId), out var factory) ? factory() : null;

    private static long Key(int interfaceId, int methodId) => ((long)interfaceId << 32) | (uint)methodId;
}
