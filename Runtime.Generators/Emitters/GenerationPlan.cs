using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using GrainStream.Runtime.Generators.Analysis;
using GrainStream.Runtime.Generators.Models;

namespace GrainStream.Runtime.Generators.Emitters;

/// <summary>An interface whose invokables (and maybe proxy) this compilation emits, with the
/// generated type names chosen for it.</summary>
internal sealed class PlannedInterface(InterfaceModel model, string prefix)
{
    public InterfaceModel Model { get; } = model;

    /// <summary>Unique identifier prefix; also names the generated file.</summary>
    public string Prefix { get; } = prefix;

    /// <summary>Invokable class names, indexed by method id (ids are dense: only interfaces without
    /// diagnostics are planned, so every method has a model).</summary>
    public string[] InvokableNames { get; } = new string[model.Methods.Count];

    /// <summary>Set for grain interfaces declared in this compilation.</summary>
    public string? ProxyName { get; set; }

    /// <summary>The interfaces whose methods the proxy implements (itself first).</summary>
    public IReadOnlyList<PlannedInterface> ProxyClosure { get; set; } = Array.Empty<PlannedInterface>();
}

/// <summary>Everything one compilation emits, with all generated names decided in one place so they
/// are unique and deterministic (ordinal order of full names).</summary>
internal sealed class GenerationPlan
{
    private GenerationPlan(string manifestName, List<PlannedInterface> interfaces, List<GrainClassModel> classes)
    {
        ManifestName = manifestName;
        Interfaces = interfaces;
        Classes = classes;
    }

    public string ManifestName { get; }

    /// <summary>Every interface that declares methods some proxy implements, sorted by full name.</summary>
    public List<PlannedInterface> Interfaces { get; }

    public List<GrainClassModel> Classes { get; }

    public bool IsEmpty => Interfaces.Count == 0 && Classes.Count == 0;

    public static GenerationPlan Create(TargetModel target, ImmutableArray<GrainInterfaceModel> grainInterfaces, ImmutableArray<GrainClassModel> grainClasses)
    {
        var valid = grainInterfaces.Where(g => g.IsValid).OrderBy(g => g.FullName, StringComparer.Ordinal).ToList();

        // The same inherited interface appears in many closures; its model is identical in each.
        var declaring = new SortedDictionary<string, InterfaceModel>(StringComparer.Ordinal);
        foreach (var grainInterface in valid)
        {
            foreach (var model in grainInterface.Closure)
            {
                if (!declaring.ContainsKey(model.FullName)) declaring.Add(model.FullName, model);
            }
        }

        // Short names read best; interfaces whose short names coincide use their full names.
        var shortNameCounts = declaring.Values.GroupBy(m => m.ShortName).ToDictionary(g => g.Key, g => g.Count());
        var prefixes = new NameAllocator();
        var typeNames = new NameAllocator();
        var manifestName = typeNames.Allocate("GrainManifest_" + TypeNames.Sanitize(target.AssemblyName));

        var planned = new Dictionary<string, PlannedInterface>(StringComparer.Ordinal);
        var interfaces = new List<PlannedInterface>();
        foreach (var model in declaring.Values)
        {
            var prefix = prefixes.Allocate(shortNameCounts[model.ShortName] == 1 ? model.ShortName : TypeNames.Sanitize(model.FullName));
            var plan = new PlannedInterface(model, prefix);
            foreach (var method in model.Methods)
            {
                plan.InvokableNames[method.MethodId] = typeNames.Allocate(prefix + "_" + TypeNames.Sanitize(method.Name) + "_" + method.MethodId + "Invokable");
            }
            planned.Add(model.FullName, plan);
            interfaces.Add(plan);
        }

        foreach (var grainInterface in valid)
        {
            var plan = planned[grainInterface.FullName];
            if (plan.ProxyName is not null) continue;
            plan.ProxyName = typeNames.Allocate(plan.Prefix + "Proxy");
            plan.ProxyClosure = grainInterface.Closure.Select(m => planned[m.FullName]).ToList();
        }

        // An inherited interface that declares nothing needs neither invokables nor a descriptor.
        interfaces.RemoveAll(plan => plan.ProxyName is null && plan.InvokableNames.Length == 0);

        var classes = grainClasses.Where(c => c.IsValid).OrderBy(c => c.FullName, StringComparer.Ordinal).ToList();
        return new GenerationPlan(manifestName, interfaces, classes);
    }
}
