using Microsoft.CodeAnalysis;

namespace GrainStream.Runtime.Generators.Diagnostics;

/// <summary>The errors the generator reports. Each one names the interface or class and the member,
/// because the fix is always in the user's declaration.</summary>
internal static class GrainDiagnostics
{
    private const string Category = "GrainStream";

    public static readonly DiagnosticDescriptor InvalidReturnType = new(
        id: "GS0001",
        title: "Grain method must return Task, Task<T>, ValueTask or ValueTask<T>",
        messageFormat: "Grain interface method '{0}' returns '{1}'; grain methods must return Task, Task<T>, ValueTask or ValueTask<T>",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Grain calls are asynchronous messages, so every grain interface method returns a task.");

    public static readonly DiagnosticDescriptor InvalidParameter = new(
        id: "GS0002",
        title: "Grain method parameter cannot be sent",
        messageFormat: "Grain interface method '{0}' has {1} parameter '{2}'; arguments are sent to the grain as values, so ref, out, in, ref readonly, CancellationToken, pointer and ref struct parameters are not supported",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Arguments are serialized and may cross silos; a reference to the caller's variable or a cancellation token cannot travel with them.");

    public static readonly DiagnosticDescriptor GenericMethod = new(
        id: "GS0003",
        title: "Grain method cannot be generic",
        messageFormat: "Grain interface method '{0}' is generic; grain interface methods cannot have type parameters",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NonMethodMember = new(
        id: "GS0004",
        title: "Grain interface may only declare methods",
        messageFormat: "Grain interface '{0}' declares {1} '{2}'; grain interfaces may only declare methods",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Properties, events and indexers cannot be turned into asynchronous grain calls.");

    public static readonly DiagnosticDescriptor GenericInterface = new(
        id: "GS0005",
        title: "Grain interface cannot be generic",
        messageFormat: "Grain interface '{0}' is generic or nested in a generic type; generic grain interfaces are not supported",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UncreatableGrainClass = new(
        id: "GS0006",
        title: "Grain class cannot be created by generated code",
        messageFormat: "Grain class '{0}' cannot be created: {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generated factory calls the public constructor with the most parameters, resolving [PersistentState] parameters of type IPersistentState<T> and services for the rest.");

    public static readonly DiagnosticDescriptor Inaccessible = new(
        id: "GS0007",
        title: "Grain interface or class is not accessible to generated code",
        messageFormat: "'{0}' is not accessible to the generated proxies and manifest; grain interfaces and grain classes, and the types containing them, must be public or internal",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GenericGrainClass = new(
        id: "GS0008",
        title: "Grain class cannot be generic",
        messageFormat: "Grain class '{0}' is generic or nested in a generic type; make it abstract, or derive a non-generic grain class from it",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>Finds a descriptor by id when a pipeline model is turned back into a diagnostic.</summary>
    public static DiagnosticDescriptor ById(string id) => id switch
    {
        "GS0001" => InvalidReturnType,
        "GS0002" => InvalidParameter,
        "GS0003" => GenericMethod,
        "GS0004" => NonMethodMember,
        "GS0005" => GenericInterface,
        "GS0006" => UncreatableGrainClass,
        "GS0007" => Inaccessible,
        _ => GenericGrainClass,
    };
}
