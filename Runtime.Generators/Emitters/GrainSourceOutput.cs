using System.Collections.Generic;
using System.Collections.Immutable;
using GrainStream.Runtime.Generators.Models;
using Microsoft.CodeAnalysis;

namespace GrainStream.Runtime.Generators.Emitters;

/// <summary>The generator's last step: reports diagnostics and adds one file per interface plus
/// the manifest.</summary>
internal static class GrainSourceOutput
{
    public static void Execute(SourceProductionContext context, TargetModel target, ImmutableArray<GrainInterfaceModel> interfaces, ImmutableArray<GrainClassModel> classes)
    {
        // An inherited interface's problem shows up in every closure that contains it; report it once.
        var reported = new HashSet<DiagnosticInfo>();
        foreach (var grainInterface in interfaces)
        {
            foreach (var diagnostic in grainInterface.Diagnostics)
            {
                if (reported.Add(diagnostic)) context.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        }
        foreach (var grainClass in classes)
        {
            foreach (var diagnostic in grainClass.Diagnostics)
            {
                if (reported.Add(diagnostic)) context.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        }

        if (!target.ReferencesAbstractions) return;
        var plan = GenerationPlan.Create(target, interfaces, classes);
        if (plan.IsEmpty) return;

        foreach (var grainInterface in plan.Interfaces)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            context.AddSource($"{GeneratedCode.Namespace}.{grainInterface.Prefix}.g.cs", EmitInterfaceFile(grainInterface));
        }
        context.AddSource($"{GeneratedCode.Namespace}.{plan.ManifestName}.g.cs", ManifestEmitter.Emit(plan));
    }

    private static string EmitInterfaceFile(PlannedInterface grainInterface)
    {
        var w = new CodeWriter();
        GeneratedCode.WriteHeader(w);
        w.Open($"namespace {GeneratedCode.Namespace}");
        var first = true;
        foreach (var method in grainInterface.Model.Methods)
        {
            if (!first) w.Line();
            first = false;
            InvokableEmitter.Emit(w, grainInterface.Model, method, grainInterface.InvokableNames[method.MethodId]);
        }
        if (grainInterface.ProxyName is not null)
        {
            if (!first) w.Line();
            ProxyEmitter.Emit(w, grainInterface);
        }
        w.Close();
        return w.ToString();
    }
}
