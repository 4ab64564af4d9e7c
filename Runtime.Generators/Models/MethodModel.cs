namespace GrainStream.Runtime.Generators.Models;

/// <summary>How a grain method returns, which decides how proxies and invokables adapt the task.</summary>
internal enum ReturnKind
{
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
}

/// <summary>Interleaving flags, mirroring <c>GrainStream.Invocation.InvokeFlags</c>.</summary>
[System.Flags]
internal enum MethodFlags
{
    None = 0,
    ReadOnly = 1,
    AlwaysInterleave = 2,
}

/// <summary>One method of a grain interface.</summary>
/// <param name="Name">The method name as declared (no '@').</param>
/// <param name="EscapedName">The name as written in C# (with '@' when it is a keyword).</param>
/// <param name="MethodId">Index among the methods its interface declares.</param>
/// <param name="ReturnKind">Which task shape it returns.</param>
/// <param name="ReturnType">Fully qualified return type as it must appear in the proxy.</param>
/// <param name="ResultType">Fully qualified TResult of its invokable (NoResult for Task/ValueTask).</param>
/// <param name="ReturnMayBeNull">The declared return type is annotated nullable (Task?).</param>
internal sealed record MethodModel(
    string Name,
    string EscapedName,
    int MethodId,
    ReturnKind ReturnKind,
    string ReturnType,
    string ResultType,
    bool ReturnMayBeNull,
    MethodFlags Flags,
    EquatableArray<ParameterModel> Parameters);

/// <summary>One parameter: its name as written in C# and its fully qualified type.</summary>
internal sealed record ParameterModel(string EscapedName, string Type);
