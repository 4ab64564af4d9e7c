using GrainStream.Invocation;

namespace GrainStream.Tests.Generators;

/// <summary>Stands in for a silo: records the invokable a proxy sends and answers with a fixed result.</summary>
internal sealed class CapturingCallRuntime : IGrainCallRuntime
{
    public GrainReference? Target { get; private set; }

    public Invokable? Captured { get; private set; }

    /// <summary>Returned to the proxy when its type matches the call's result type.</summary>
    public object? Reply { get; set; }

    public Task<TResult> InvokeAsync<TResult>(GrainReference target, Invokable<TResult> invokable)
    {
        Target = target;
        Captured = invokable;
        return Task.FromResult(Reply is TResult reply ? reply : default!);
    }
}

/// <summary>Records how an invocation ended.</summary>
internal sealed class RecordingCompletion : IInvocationCompletion
{
    public bool Completed { get; private set; }

    public object? Result { get; private set; }

    public Type? ResultType { get; private set; }

    public Exception? Exception { get; private set; }

    public void Complete<T>(T result)
    {
        Completed = true;
        Result = result;
        ResultType = typeof(T);
    }

    public void Fail(Exception exception) => Exception = exception;
}

/// <summary>What a silo offers a generated grain factory, with services from a dictionary and
/// persistent state requests recorded.</summary>
internal sealed class FakeActivationContext : IGrainActivationContext
{
    public GrainId GrainId { get; } = new("test", "key");

    public Dictionary<Type, object> Services { get; } = [];

    public List<(Type StateType, string StateName, string? StorageName)> StateRequests { get; } = [];

    public T GetRequiredService<T>() where T : notnull => (T)Services[typeof(T)];

    public IPersistentState<T> GetPersistentState<T>(string stateName, string? storageName) where T : new()
    {
        StateRequests.Add((typeof(T), stateName, storageName));
        return new FakePersistentState<T>();
    }
}

internal sealed class FakePersistentState<T> : IPersistentState<T> where T : new()
{
    public T State { get; set; } = new();

    public string? Etag => null;

    public bool RecordExists => false;

    public Task ReadStateAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task WriteStateAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task ClearStateAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
}
