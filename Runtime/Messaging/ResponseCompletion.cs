using System.Runtime.CompilerServices;
using GrainStream.Invocation;
using GrainStream.Serialization;

namespace GrainStream.Runtime.Messaging;

/// <summary>A pending call as the caller sees it, kept in the <see cref="CallbackTable"/> until its
/// response, its timeout or the loss of its target silo.</summary>
internal interface IResponseCallback
{
    long Id { get; }

    long Deadline { get; }

    SiloAddress? TargetSilo { get; set; }

    string Describe();

    /// <summary>Completes from a remote response body (JSON result).</summary>
    void CompleteFromJson(ReadOnlySpan<byte> utf8Json, GrainSerializer serializer);

    void Fail(Exception exception);
}

/// <summary>The caller's side of one call: a task completed by a local activation (result copied)
/// or by a remote response (result deserialised).</summary>
internal sealed class ResponseCompletion<T>(long id, GrainId target, Invokable invokable, long deadline, CallbackTable table, GrainSerializer serializer)
    : TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously), IResponseCallback, IInvocationCompletion
{
    public long Id { get; } = id;

    public long Deadline { get; } = deadline;

    public SiloAddress? TargetSilo { get; set; }

    public string Describe() => $"{target} {invokable.InterfaceName}.{invokable.MethodName}";

    public void Complete<TResult>(TResult result)
    {
        if (!table.Remove(Id)) return;
        result = serializer.Copy(result);
        if (typeof(TResult) == typeof(T)) TrySetResult(Unsafe.As<TResult, T>(ref result));
        else TrySetException(new InvalidCastException($"{Describe()} returned {typeof(TResult)}, expected {typeof(T)}."));
    }

    public void CompleteFromJson(ReadOnlySpan<byte> utf8Json, GrainSerializer serializer)
    {
        if (!table.Remove(Id)) return;
        try
        {
            TrySetResult(serializer.Deserialize<T>(utf8Json));
        }
        catch (Exception exception)
        {
            TrySetException(exception);
        }
    }

    public void Fail(Exception exception)
    {
        if (table.Remove(Id)) TrySetException(exception);
    }
}
