using System.Collections.Generic;
using System.Globalization;
using GrainStream.Runtime.Generators.Models;

namespace GrainStream.Runtime.Generators.Emitters;

/// <summary>Writes the invokable of one method: its arguments as fields, their JSON form, and the
/// call on the grain. The runtime handles calls only through these classes (no reflection).</summary>
internal static class InvokableEmitter
{
    private const string JsonTokenType = "global::System.Text.Json.JsonTokenType";
    private const string JsonException = "global::System.Text.Json.JsonException";
    private const string Serializer = "global::GrainStream.Serialization.GrainSerializer";
    private const string ValueTaskOf = "global::System.Threading.Tasks.ValueTask<";

    public static void Emit(CodeWriter w, InterfaceModel declaring, MethodModel method, string className)
    {
        var parameters = method.Parameters;
        var callName = declaring.FullName + "." + method.Name;

        w.Line(GeneratedCode.GeneratedCodeAttribute);
        w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        w.Open($"internal sealed class {className} : global::GrainStream.Invocation.Invokable<{method.ResultType}>");

        for (var i = 0; i < parameters.Count; i++)
        {
            // The runtime creates the invokable empty and fills it from a message, so fields start unset.
            w.Line($"public {parameters[i].Type} Arg{i} = default!;");
        }
        if (parameters.Count > 0) w.Line();

        w.Line($"public override int InterfaceId => {declaring.InterfaceId.ToString(CultureInfo.InvariantCulture)};");
        w.Line($"public override int MethodId => {method.MethodId.ToString(CultureInfo.InvariantCulture)};");
        w.Line($"public override string InterfaceName => {GeneratedCode.Literal(declaring.FullName)};");
        w.Line($"public override string MethodName => {GeneratedCode.Literal(method.Name)};");
        if (method.Flags != MethodFlags.None) w.Line($"public override global::GrainStream.Invocation.InvokeFlags Flags => {FlagsExpression(method.Flags)};");

        w.Line();
        w.Open($"public override void WriteArguments(global::System.Text.Json.Utf8JsonWriter writer, {Serializer} serializer)");
        w.Line("writer.WriteStartArray();");
        for (var i = 0; i < parameters.Count; i++) w.Line($"serializer.Write<{parameters[i].Type}>(writer, Arg{i});");
        w.Line("writer.WriteEndArray();");
        w.Close();

        w.Line();
        EmitReadArguments(w, parameters, callName);

        w.Line();
        w.Open($"public override void CopyArguments({Serializer} serializer)");
        for (var i = 0; i < parameters.Count; i++) w.Line($"Arg{i} = serializer.Copy<{parameters[i].Type}>(Arg{i});");
        w.Close();

        w.Line();
        w.Open($"protected override {ValueTaskOf}{method.ResultType}> InvokeCore(object target)");
        w.Line($"return {Adapt(method, Call(declaring, method))};");
        w.Close();

        w.Close();
    }

    /// <summary>GrainSerializer.Read expects the reader on a value's first token and leaves it on
    /// the value's last token, so each argument starts with one Read().</summary>
    private static void EmitReadArguments(CodeWriter w, EquatableArray<ParameterModel> parameters, string callName)
    {
        var count = parameters.Count.ToString(CultureInfo.InvariantCulture);
        w.Open($"public override void ReadArguments(ref global::System.Text.Json.Utf8JsonReader reader, {Serializer} serializer)");
        w.Line($"if (reader.TokenType != {JsonTokenType}.StartArray) reader.Read();");
        w.Line($"if (reader.TokenType != {JsonTokenType}.StartArray) throw new {JsonException}({GeneratedCode.Literal($"The arguments of {callName} must be a JSON array.")});");
        for (var i = 0; i < parameters.Count; i++)
        {
            w.Line("reader.Read();");
            w.Line($"if (reader.TokenType == {JsonTokenType}.EndArray) throw new {JsonException}({GeneratedCode.Literal($"{callName} takes {count} argument(s) but the JSON array has {i}.")});");
            w.Line($"Arg{i} = serializer.Read<{parameters[i].Type}>(ref reader);");
        }
        w.Line("reader.Read();");
        w.Line($"if (reader.TokenType != {JsonTokenType}.EndArray) throw new {JsonException}({GeneratedCode.Literal($"{callName} takes {count} argument(s) but the JSON array has more.")});");
        w.Close();
    }

    private static string Call(InterfaceModel declaring, MethodModel method)
    {
        var arguments = new List<string>();
        for (var i = 0; i < method.Parameters.Count; i++) arguments.Add("Arg" + i);
        // Cast to the declaring interface: the method may be hidden or overloaded in derived ones.
        var call = $"(({declaring.TypeName})target).{method.EscapedName}({string.Join(", ", arguments)})";
        return method.ReturnMayBeNull && method.ReturnKind is ReturnKind.Task or ReturnKind.TaskOfT ? call + "!" : call;
    }

    private static string Adapt(MethodModel method, string call) => method.ReturnKind switch
    {
        ReturnKind.TaskOfT => $"new {ValueTaskOf}{method.ResultType}>({call})",
        ReturnKind.ValueTaskOfT => call,
        ReturnKind.Task => $"FromTask({call})",
        _ => $"FromValueTask({call})",
    };

    private static string FlagsExpression(MethodFlags flags)
    {
        var parts = new List<string>();
        if ((flags & MethodFlags.ReadOnly) != 0) parts.Add("global::GrainStream.Invocation.InvokeFlags.ReadOnly");
        if ((flags & MethodFlags.AlwaysInterleave) != 0) parts.Add("global::GrainStream.Invocation.InvokeFlags.AlwaysInterleave");
        return string.Join(" | ", parts);
    }
}
