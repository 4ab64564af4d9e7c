namespace GrainStream.Streams;

/// <summary>Names the event that a payload type is published as (the SSE <c>event:</c> field), e.g.
/// <c>[StreamEventName("message")]</c> on a chat message. Without it, the type's name in camelCase.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class StreamEventNameAttribute(string name) : Attribute
{
    /// <summary>The event name.</summary>
    public string Name { get; } = name;
}
