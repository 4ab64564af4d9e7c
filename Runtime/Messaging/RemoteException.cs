using System.Reflection;

namespace GrainStream.Runtime.Messaging;

/// <summary>An exception thrown by a grain on another silo whose type could not be recreated here.
/// <see cref="Exception.Message"/> and <see cref="RemoteTypeName"/> carry the original's.</summary>
public sealed class RemoteGrainException(string remoteTypeName, string message, string? remoteStackTrace) : Exception(message)
{
    /// <summary>The full name of the original exception type.</summary>
    public string RemoteTypeName { get; } = remoteTypeName;

    /// <summary>The original stack trace, as text.</summary>
    public string? RemoteStackTrace { get; } = remoteStackTrace;

    /// <inheritdoc/>
    public override string ToString() => $"{RemoteTypeName}: {Message}{Environment.NewLine}--- remote ---{Environment.NewLine}{RemoteStackTrace}";
}

/// <summary>Turns an exception into what crosses the wire and back: the type name, message and stack
/// trace. The receiver recreates the same type when it knows it and it has a (string) constructor,
/// so callers can catch <c>InvalidOperationException</c> whether the grain was local or remote.</summary>
internal static class ExceptionCodec
{
    public static void Write(PooledBufferWriter buffer, Exception exception)
    {
        var type = exception.GetType();
        buffer.WriteString(type.FullName);
        buffer.WriteString(type.Assembly.GetName().Name);
        buffer.WriteString(exception.Message);
        buffer.WriteString(exception.StackTrace);
    }

    public static Exception Read(ref FrameReader reader)
    {
        var typeName = reader.ReadString() ?? "System.Exception";
        var assemblyName = reader.ReadString();
        var message = reader.ReadString() ?? "";
        var stackTrace = reader.ReadString();
        return Recreate(typeName, assemblyName, message) ?? new RemoteGrainException(typeName, message, stackTrace);
    }

    private static Exception? Recreate(string typeName, string? assemblyName, string message)
    {
        try
        {
            var type = Type.GetType(assemblyName is null ? typeName : $"{typeName}, {assemblyName}", throwOnError: false);
            if (type is null || !typeof(Exception).IsAssignableFrom(type) || type.IsAbstract) return null;
            var constructor = type.GetConstructor(BindingFlags.Public | BindingFlags.Instance, [typeof(string)]);
            return constructor?.Invoke([message]) as Exception;
        }
        catch (Exception)
        {
            return null;
        }
    }
}
