using System.ComponentModel;

namespace GrainStream.Invocation;

/// <summary>Sends invocations to grains; implemented by silos and cluster clients.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface IGrainCallRuntime
{
    /// <summary>Sends <paramref name="invokable"/> to the grain <paramref name="target"/> refers to.</summary>
    Task<TResult> InvokeAsync<TResult>(GrainReference target, Invokable<TResult> invokable);
}

/// <summary>Base class of generated grain proxies: a grain id plus the runtime that carries its calls.
/// Two references are equal when they name the same grain.</summary>
public abstract class GrainReference : IAddressable, IEquatable<GrainReference>
{
    /// <summary>Creates a reference.</summary>
    protected GrainReference(GrainId grainId, IGrainCallRuntime runtime)
    {
        GrainId = grainId;
        Runtime = runtime;
    }

    /// <summary>The grain this reference calls.</summary>
    public GrainId GrainId { get; }

    /// <summary>The runtime that carries the calls.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public IGrainCallRuntime Runtime { get; }

    /// <summary>Sends an invocation (used by generated proxies).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected Task<TResult> InvokeAsync<TResult>(Invokable<TResult> invokable) => Runtime.InvokeAsync(this, invokable);

    /// <inheritdoc/>
    public bool Equals(GrainReference? other) => other is not null && GrainId.Equals(other.GrainId);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is GrainReference other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => GrainId.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => GrainId.ToString();
}
