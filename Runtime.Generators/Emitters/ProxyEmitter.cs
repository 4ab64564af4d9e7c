using System.Collections.Generic;
using System.Linq;
using GrainStream.Runtime.Generators.Models;

namespace GrainStream.Runtime.Generators.Emitters;

/// <summary>Writes a grain reference class that implements a grain interface by turning each call
/// into an invokable sent through the call runtime.</summary>
internal static class ProxyEmitter
{
    public static void Emit(CodeWriter w, PlannedInterface grainInterface)
    {
        var proxyName = grainInterface.ProxyName!;
        w.Line(GeneratedCode.GeneratedCodeAttribute);
        w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        w.Open($"internal sealed class {proxyName} : global::GrainStream.Invocation.GrainReference, {grainInterface.Model.TypeName}");
        w.Open($"public {proxyName}(global::GrainStream.GrainId grainId, global::GrainStream.Invocation.IGrainCallRuntime runtime) : base(grainId, runtime)");
        w.Close();

        // Explicit implementations: inherited interfaces may declare the same signature twice, and
        // interface method names must not clash with GrainReference's members.
        foreach (var declaring in grainInterface.ProxyClosure)
        {
            foreach (var method in declaring.Model.Methods)
            {
                w.Line();
                EmitMethod(w, declaring.Model, method, declaring.InvokableNames[method.MethodId]);
            }
        }
        w.Close();
    }

    private static void EmitMethod(CodeWriter w, InterfaceModel declaring, MethodModel method, string invokableName)
    {
        var parameters = string.Join(", ", method.Parameters.Select(p => p.Type + " " + p.EscapedName));
        w.Open($"{method.ReturnType} {declaring.TypeName}.{method.EscapedName}({parameters})");

        var local = LocalName(method.Parameters);
        w.Line($"var {local} = new global::{GeneratedCode.Namespace}.{invokableName}();");
        for (var i = 0; i < method.Parameters.Count; i++) w.Line($"{local}.Arg{i} = {method.Parameters[i].EscapedName};");

        var send = $"base.InvokeAsync<{method.ResultType}>({local})";
        w.Line(method.ReturnKind switch
        {
            // Task<NoResult> is a Task, so both Task shapes return the runtime's task directly.
            ReturnKind.Task or ReturnKind.TaskOfT => $"return {send};",
            ReturnKind.ValueTaskOfT => $"return new global::System.Threading.Tasks.ValueTask<{method.ResultType}>({send});",
            _ => $"return new global::System.Threading.Tasks.ValueTask({send});",
        });
        w.Close();
    }

    /// <summary>A local name that no parameter uses.</summary>
    private static string LocalName(IEnumerable<ParameterModel> parameters)
    {
        var taken = new HashSet<string>(parameters.Select(p => p.EscapedName.TrimStart('@')));
        var name = "invokable";
        while (taken.Contains(name)) name = "_" + name;
        return name;
    }
}
