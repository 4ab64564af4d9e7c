using System.Collections.Generic;
using System.Linq;
using System.Threading;
using GrainStream.Runtime.Generators.Diagnostics;
using GrainStream.Runtime.Generators.Models;
using GrainStream.Runtime.Generators.Support;
using Microsoft.CodeAnalysis;

namespace GrainStream.Runtime.Generators.Analysis;

/// <summary>Turns a grain interface symbol into a <see cref="GrainInterfaceModel"/>: its own methods
/// and those of every interface it inherits, plus the reasons no proxy can be generated.</summary>
internal static class InterfaceAnalyzer
{
    private const string NoResult = "global::GrainStream.Invocation.NoResult";

    public static GrainInterfaceModel? Analyze(INamedTypeSymbol type, KnownTypes known, CancellationToken cancellationToken)
    {
        if (!known.IsGrainInterface(type)) return null;

        var diagnostics = new List<DiagnosticInfo>();
        var self = LocationInfo.From(type.Locations.FirstOrDefault());
        if (!TypeNames.IsAccessibleInAssembly(type))
        {
            diagnostics.Add(DiagnosticInfo.Create(GrainDiagnostics.Inaccessible, self, type.Name));
        }

        var closure = new List<InterfaceModel>();
        foreach (var declaring in new[] { type }.Concat(type.AllInterfaces.Where(i => !known.IsMarker(i))))
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Problems of an inherited interface declared in source are reported at its own members
            // (duplicates are merged later); those of a referenced assembly at this interface.
            var context = new Context(declaring, known, diagnostics, self);
            if (TypeNames.IsGenericOrInGeneric(declaring))
            {
                context.Report(GrainDiagnostics.GenericInterface, declaring, declaring.Name);
                continue;
            }
            closure.Add(DescribeInterface(context));
        }

        return new GrainInterfaceModel(
            TypeNames.MetadataFullName(type),
            new EquatableArray<InterfaceModel>(closure),
            new EquatableArray<DiagnosticInfo>(diagnostics));
    }

    private static InterfaceModel DescribeInterface(Context context)
    {
        var declaring = context.Declaring;
        var methods = new List<MethodModel>();
        var methodId = 0;
        foreach (var member in declaring.GetMembers())
        {
            switch (member)
            {
                // Private and sealed interface methods have bodies and are not part of the contract.
                case IMethodSymbol { MethodKind: MethodKind.Ordinary, IsStatic: false } method when method.IsAbstract || method.IsVirtual:
                    // The id counts every method, valid or not, so ids never depend on diagnostics.
                    if (DescribeMethod(context, method, methodId++) is { } model) methods.Add(model);
                    break;
                case IMethodSymbol { IsStatic: true, MethodKind: MethodKind.Ordinary or MethodKind.UserDefinedOperator or MethodKind.Conversion } method
                    when method.IsAbstract || method.IsVirtual:
                    context.Report(GrainDiagnostics.NonMethodMember, member, declaring.Name, "static abstract member", member.Name);
                    break;
                case IPropertySymbol property when !property.IsStatic || property.IsAbstract || property.IsVirtual:
                    context.Report(GrainDiagnostics.NonMethodMember, member, declaring.Name, property.IsIndexer ? "indexer" : "property", property.IsIndexer ? "this[]" : property.Name);
                    break;
                case IEventSymbol @event when !@event.IsStatic || @event.IsAbstract || @event.IsVirtual:
                    context.Report(GrainDiagnostics.NonMethodMember, member, declaring.Name, "event", @event.Name);
                    break;
            }
        }

        var fullName = TypeNames.MetadataFullName(declaring);
        return new InterfaceModel(
            fullName,
            TypeNames.Qualified(declaring),
            TypeNames.ShortIdentifier(declaring),
            StableHash.Fnv1a32(fullName),
            new EquatableArray<MethodModel>(methods));
    }

    private static MethodModel? DescribeMethod(Context context, IMethodSymbol method, int methodId)
    {
        var known = context.Known;
        var display = context.Declaring.Name + "." + method.Name;
        var valid = true;

        if (method.IsGenericMethod)
        {
            context.Report(GrainDiagnostics.GenericMethod, method, display);
            valid = false;
        }

        var returnType = method.ReturnType as INamedTypeSymbol;
        ReturnKind? kind = method.ReturnsByRef || method.ReturnsByRefReadonly || returnType is null ? null
            : KnownTypes.Is(returnType, known.Task) ? ReturnKind.Task
            : KnownTypes.Is(returnType, known.TaskOfT) ? ReturnKind.TaskOfT
            : KnownTypes.Is(returnType, known.ValueTask) ? ReturnKind.ValueTask
            : KnownTypes.Is(returnType, known.ValueTaskOfT) ? ReturnKind.ValueTaskOfT
            : null;
        if (kind is null)
        {
            var shown = (method.ReturnsByRef ? "ref " : method.ReturnsByRefReadonly ? "ref readonly " : "") + method.ReturnType.ToDisplayString();
            context.Report(GrainDiagnostics.InvalidReturnType, method, display, shown);
            valid = false;
        }

        var parameters = new List<ParameterModel>();
        foreach (var parameter in method.Parameters)
        {
            if (Unsupported(parameter, known) is { } reason)
            {
                context.Report(GrainDiagnostics.InvalidParameter, parameter, display, reason, parameter.Name);
                valid = false;
            }
            // Metadata may omit parameter names; the proxy still needs one.
            var name = string.IsNullOrEmpty(parameter.Name) ? "arg" + parameter.Ordinal : parameter.Name;
            parameters.Add(new ParameterModel(TypeNames.EscapeIdentifier(name), TypeNames.Qualified(parameter.Type)));
        }

        if (!valid) return null;

        var flags = MethodFlags.None;
        if (KnownTypes.HasAttribute(method, known.ReadOnlyAttribute)) flags |= MethodFlags.ReadOnly;
        if (KnownTypes.HasAttribute(method, known.AlwaysInterleaveAttribute)) flags |= MethodFlags.AlwaysInterleave;

        var task = returnType!;
        var resultType = kind is ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT ? TypeNames.Qualified(task.TypeArguments[0]) : NoResult;
        return new MethodModel(
            method.Name,
            TypeNames.EscapeIdentifier(method.Name),
            methodId,
            kind!.Value,
            // A proxy may promise more than the interface: it never returns a null task.
            TypeNames.Qualified(task.WithNullableAnnotation(NullableAnnotation.NotAnnotated)),
            resultType,
            task.NullableAnnotation == NullableAnnotation.Annotated,
            flags,
            new EquatableArray<ParameterModel>(parameters));
    }

    private static string? Unsupported(IParameterSymbol parameter, KnownTypes known)
    {
        switch (parameter.RefKind)
        {
            case RefKind.Ref: return "a ref";
            case RefKind.Out: return "an out";
            case RefKind.In: return "an in";
            case RefKind.RefReadOnlyParameter: return "a ref readonly";
        }
        var type = parameter.Type;
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable) type = nullable.TypeArguments[0];
        if (KnownTypes.Is(type, known.CancellationToken)) return "a CancellationToken";
        if (type is IPointerTypeSymbol or IFunctionPointerTypeSymbol) return "a pointer";
        if (type.IsRefLikeType) return "a ref struct";
        return null;
    }

    /// <summary>The interface whose members are being described, and where its problems are reported.</summary>
    private sealed class Context(INamedTypeSymbol declaring, KnownTypes known, List<DiagnosticInfo> diagnostics, LocationInfo? grainInterfaceLocation)
    {
        public INamedTypeSymbol Declaring { get; } = declaring;

        public KnownTypes Known { get; } = known;

        public void Report(DiagnosticDescriptor descriptor, ISymbol offender, params string[] arguments)
        {
            var location = LocationInfo.From(offender.Locations.FirstOrDefault()) ?? grainInterfaceLocation;
            diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));
        }
    }
}
