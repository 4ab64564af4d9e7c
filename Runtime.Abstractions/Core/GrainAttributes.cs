namespace GrainStream;

/// <summary>Lets calls to this grain interleave at their awaits: a new call may start while
/// another awaits. Turns still never run in parallel.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class ReentrantAttribute : Attribute;

/// <summary>On a grain interface method: the call may interleave with any other call, even on a
/// non-reentrant grain.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute;

/// <summary>On a grain interface method: the method does not change state, so read-only calls
/// may interleave with each other (never with other calls).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ReadOnlyAttribute : Attribute;

/// <summary>Names the grain type of a grain class (the first part of its <see cref="GrainId"/>).
/// Without it the type is the class name, lower-cased, without a trailing "Grain".</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class GrainTypeAttribute(string grainType) : Attribute
{
    /// <summary>The grain type name.</summary>
    public string GrainType { get; } = grainType;
}

/// <summary>Marks a type whose instances are never mutated, so the runtime passes them between
/// grains of one silo without copying.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class ImmutableAttribute : Attribute;

/// <summary>On a grain constructor parameter of type <see cref="IPersistentState{TState}"/>: the
/// runtime injects the named state, loaded from the named storage provider before
/// <see cref="Grain.OnActivateAsync"/> runs.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class PersistentStateAttribute(string stateName, string? storageName = null) : Attribute
{
    /// <summary>The state's name within the grain.</summary>
    public string StateName { get; } = stateName;

    /// <summary>The storage provider's name; null means the default provider.</summary>
    public string? StorageName { get; } = storageName;
}
