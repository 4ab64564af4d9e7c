using System.Globalization;
using System.Linq;

namespace GrainStream.Runtime.Generators.Emitters;

/// <summary>Writes the assembly's manifest: every interface descriptor and grain class descriptor,
/// plus the assembly attribute through which the runtime finds it.</summary>
internal static class ManifestEmitter
{
    private const string Invokable = "global::GrainStream.Invocation.Invokable";

    public static string Emit(GenerationPlan plan)
    {
        var w = new CodeWriter();
        GeneratedCode.WriteHeader(w);
        w.Line($"[assembly: global::GrainStream.Invocation.GrainManifestAttribute(typeof(global::{GeneratedCode.Namespace}.{plan.ManifestName}))]");
        w.Line();
        w.Open($"namespace {GeneratedCode.Namespace}");
        w.Line("/// <summary>The grain interfaces and grain classes of this assembly.</summary>");
        w.Line(GeneratedCode.GeneratedCodeAttribute);
        w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        w.Open($"internal sealed class {plan.ManifestName} : global::GrainStream.Invocation.IGrainManifestProvider");
        w.Open("public void Populate(global::GrainStream.Invocation.GrainManifestBuilder builder)");
        foreach (var grainInterface in plan.Interfaces) EmitInterface(w, grainInterface);
        foreach (var grainClass in plan.Classes) EmitClass(w, grainClass);
        w.Close();
        w.Close();
        w.Close();
        return w.ToString();
    }

    private static void EmitInterface(CodeWriter w, PlannedInterface grainInterface)
    {
        var model = grainInterface.Model;
        var proxy = grainInterface.ProxyName is { } proxyName
            ? $"static (grainId, runtime) => new global::{GeneratedCode.Namespace}.{proxyName}(grainId, runtime)"
            : "null";
        w.Line("builder.AddInterface(new global::GrainStream.Invocation.GrainInterfaceDescriptor(");
        w.Line($"    typeof({model.TypeName}),");
        w.Line($"    {model.InterfaceId.ToString(CultureInfo.InvariantCulture)},");
        w.Line($"    {GeneratedCode.Literal(model.FullName)},");
        w.Line($"    {proxy},");
        if (grainInterface.InvokableNames.Length == 0)
        {
            w.Line($"    global::System.Array.Empty<global::System.Func<{Invokable}>>()));");
            return;
        }
        w.Line($"    new global::System.Func<{Invokable}>[]");
        w.Line("    {");
        foreach (var name in grainInterface.InvokableNames)
        {
            w.Line($"        static () => new global::{GeneratedCode.Namespace}.{name}(),");
        }
        w.Line("    }));");
    }

    private static void EmitClass(CodeWriter w, Models.GrainClassModel grainClass)
    {
        var interfaces = grainClass.Interfaces.Count == 0
            ? "global::System.Array.Empty<global::System.Type>()"
            : "new global::System.Type[] { " + string.Join(", ", grainClass.Interfaces.Select(i => $"typeof({i})")) + " }";
        var arguments = string.Join(", ", grainClass.ConstructorArguments.Select(a => a.IsPersistentState
            ? $"context.GetPersistentState<{a.Type}>({(a.StateName is null ? "null!" : GeneratedCode.Literal(a.StateName))}, {GeneratedCode.Literal(a.StorageName)})"
            : $"context.GetRequiredService<{a.Type}>()"));
        w.Line("builder.AddGrainClass(new global::GrainStream.Invocation.GrainClassDescriptor(");
        w.Line($"    typeof({grainClass.TypeName}),");
        w.Line($"    {GeneratedCode.Literal(grainClass.GrainType)},");
        w.Line($"    {interfaces},");
        w.Line($"    {(grainClass.IsReentrant ? "true" : "false")},");
        w.Line($"    static context => new {grainClass.TypeName}({arguments})));");
    }
}
