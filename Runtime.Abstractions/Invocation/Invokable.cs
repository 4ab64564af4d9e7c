using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Text.Json;
using GrainStream.Serialization;

namespace GrainStream.Invocation;

/// <summary>How a call may interleave with others, taken from the interface method's attributes.</summary>
[Flags]
public enum InvokeFlags
{
    /// <summary>An ordinary call: exclusive unless the grain is reentrant.</summary>
    None = 0,
    /// <summary><see cref="ReadOnlyAttribute"/>: may interleave with other read-only calls.</summary>
    ReadOnly = 1,
    /// <summary><see cref="AlwaysInterleaveAttribute"/>: may interleave with anything.</summary>
    AlwaysInterleave = 2,
}

/// <summary>One call of one grain interface method with its arguments. The source generator emits a
/// sealed subclass per method; the runtime never uses reflection on the call path.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public abstract class Invokable
{
    /// <summary>Stable id of the declaring interface (<see cref="StableHash.Fnv1a32"/> of its full name).</summary>
    public abstract int InterfaceId { get; }

    /// <summary>The method's index among the members its interface declares.</summary>
    public abstract int MethodId { get; }

    /// <summary>The declaring interface's full name, for messages.</summary>
    public abstract string InterfaceName { get; }

    /// <summary>The method name, for messages.</summary>
    public abstract string MethodName { get; }

    /// <summary>Interleaving flags from the method's attributes.</summary>
    public virtual InvokeFlags Flags => InvokeFlags.None;

    /// <summary>Writes the arguments as one JSON array.</summary>
    public abstract void WriteArguments(Utf8JsonWriter writer, GrainSerializer serializer);

    /// <summary>Reads the arguments from a JSON array; the reader is positioned on (or before) its start.</summary>
    public abstract void ReadArguments(ref Utf8JsonReader reader, GrainSerializer serializer);

    /// <summary>Replaces every mutable argument by a deep copy, so that a caller in the same silo
    /// cannot observe or cause changes after the call (the same as a remote call).</summary>
    public abstract void CopyArguments(GrainSerializer serializer);

    /// <summary>Runs the method on <paramref name="target"/> and reports the outcome to <paramref name="completion"/>.</summary>
    public abstract ValueTask InvokeAsync(object target, IInvocationCompletion completion);

    /// <summary>Prints <c>Interface.Method</c>.</summary>
    public override string ToString() => $"{InterfaceName}.{MethodName}";
}

/// <summary>An invokable whose method produces <typeparamref name="TResult"/>
/// (<see cref="NoResult"/> for <see cref="Task"/> and <see cref="ValueTask"/>).</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public abstract class Invokable<TResult> : Invokable
{
    /// <summary>Calls the grain method (generated).</summary>
    protected abstract ValueTask<TResult> InvokeCore(object target);

    /// <inheritdoc/>
    public sealed override ValueTask InvokeAsync(object target, IInvocationCompletion completion)
    {
        ValueTask<TResult> pending;
        try
        {
            pending = InvokeCore(target);
        }
        catch (Exception exception)
        {
            completion.Fail(exception);
            return default;
        }

        if (pending.IsCompletedSuccessfully)
        {
            completion.Complete(pending.Result);
            return default;
        }
        return AwaitAsync(pending, completion);
    }

    // Pooled: the runtime consumes every invocation's task exactly once (it awaits the turn), so the
    // state machine of a call that completes asynchronously is reused instead of allocated per call.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask AwaitAsync(ValueTask<TResult> pending, IInvocationCompletion completion)
    {
        TResult result;
        try
        {
            result = await pending;
        }
        catch (Exception exception)
        {
            completion.Fail(exception);
            return;
        }
        completion.Complete(result);
    }

    /// <summary>Adapts a <see cref="Task"/> of a void method.</summary>
    protected static ValueTask<NoResult> FromTask(Task task)
    {
        if (task.IsCompletedSuccessfully) return default;
        return Await(task);

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        static async ValueTask<NoResult> Await(Task task)
        {
            await task;
            return default;
        }
    }

    /// <summary>Adapts a <see cref="ValueTask"/> of a void method.</summary>
    protected static ValueTask<NoResult> FromValueTask(ValueTask task)
    {
        if (task.IsCompletedSuccessfully) return default;
        return Await(task);

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        static async ValueTask<NoResult> Await(ValueTask task)
        {
            await task;
            return default;
        }
    }
}

/// <summary>Receives the outcome of an invocation.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface IInvocationCompletion
{
    /// <summary>The method returned <paramref name="result"/>.</summary>
    void Complete<T>(T result);

    /// <summary>The method threw <paramref name="exception"/>.</summary>
    void Fail(Exception exception);
}

/// <summary>The result of a method that returns <see cref="Task"/> or <see cref="ValueTask"/>.</summary>
[Immutable]
public readonly struct NoResult;
