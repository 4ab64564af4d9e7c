using Xunit;

using System.Reflection;

namespace GrainStream.Tests.Generators;

/// <summary>Calls into a compiled sample whose types the test only knows by name.</summary>
internal static class Reflect
{
    /// <summary>Calls an interface method on <paramref name="target"/> (a proxy or a grain).</summary>
    public static object? Call(object target, Type grainInterface, string method, params object?[] arguments)
    {
        var candidates = grainInterface.GetMethods().Where(m => m.Name == method && m.GetParameters().Length == arguments.Length).ToList();
        try
        {
            return Assert.Single(candidates).Invoke(target, arguments);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            throw exception.InnerException;
        }
    }

    public static object? Field(object target, string name) => target.GetType().GetField(name)!.GetValue(target);

    public static object? Property(object target, string name) => target.GetType().GetProperty(name)!.GetValue(target);
}
