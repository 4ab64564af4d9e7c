namespace GrainStream;

/// <summary>Why an activation is being deactivated.</summary>
public enum DeactivationReasonCode
{
    /// <summary>No reason given.</summary>
    None,
    /// <summary>The grain called <see cref="Grain.DeactivateOnIdle"/>.</summary>
    ApplicationRequested,
    /// <summary>The activation was idle for longer than the collection age.</summary>
    ActivationIdle,
    /// <summary>The silo is shutting down.</summary>
    ShuttingDown,
    /// <summary>Activation failed (for example, state could not be read).</summary>
    ActivationFailed,
    /// <summary>Another activation of the same grain won the directory registration.</summary>
    DuplicateActivation,
}

/// <summary>The reason passed to <see cref="Grain.OnDeactivateAsync"/>.</summary>
/// <param name="Code">The kind of reason.</param>
/// <param name="Description">A human readable explanation.</param>
public readonly record struct DeactivationReason(DeactivationReasonCode Code, string Description)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Code}: {Description}";
}
