using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;

namespace GrainStream.Streams;

/// <summary>Turns stream items into (event name, UTF-8 JSON) once, at publish, and back into items
/// for typed subscribers. Web defaults (camelCase). The event name is the item type's
/// <see cref="StreamEventNameAttribute"/> or its name in camelCase.</summary>
public sealed class EventPayloadSerializer
{
    private static readonly ConcurrentDictionary<Type, string> EventNames = new();
    private static readonly ConcurrentDictionary<Type, Dictionary<string, Type>> EventTypesByBase = new();

    /// <summary>A serializer over the configured resolvers.</summary>
    public EventPayloadSerializer(IOptions<GrainStreamJsonOptions> options)
    {
        Options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };
        foreach (var resolver in options.Value.Resolvers) Options.TypeInfoResolverChain.Add(resolver);
        Options.TypeInfoResolverChain.Add(new DefaultJsonTypeInfoResolver());
        Options.MakeReadOnly();
    }

    /// <summary>The options in use.</summary>
    public JsonSerializerOptions Options { get; }

    /// <summary>The event name of items of <paramref name="type"/>.</summary>
    public static string EventNameOf(Type type) => EventNames.GetOrAdd(type, static t
        => t.GetCustomAttribute<StreamEventNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(t.Name));

    /// <summary>Serialises <paramref name="item"/> by its runtime type.</summary>
    public byte[] Serialize(object item) => JsonSerializer.SerializeToUtf8Bytes(item, Options.GetTypeInfo(item.GetType()));

    /// <summary>The item of <paramref name="streamEvent"/> as <typeparamref name="T"/>: the envelope
    /// itself for <see cref="StreamEvent"/> subscribers, else its payload read as the event type
    /// assignable to <typeparamref name="T"/> that carries the event's name (or <typeparamref name="T"/>).</summary>
    public T Deserialize<T>(StreamEvent streamEvent)
    {
        if (typeof(T) == typeof(StreamEvent)) return (T)(object)streamEvent;
        var target = typeof(T);
        if (target.IsAbstract || target.IsInterface || target == typeof(object))
        {
            var types = EventTypesByBase.GetOrAdd(target, FindEventTypes);
            if (!types.TryGetValue(streamEvent.EventName, out var concrete))
            {
                throw new JsonException($"No type assignable to {target} is published as '{streamEvent.EventName}' (mark it with [StreamEventName]).");
            }
            target = concrete;
        }
        return (T)JsonSerializer.Deserialize(streamEvent.Payload.Span, Options.GetTypeInfo(target))!;
    }

    // Event types of a base type: the concrete types of its assembly that derive from it.
    private static Dictionary<string, Type> FindEventTypes(Type baseType)
    {
        var types = new Dictionary<string, Type>(StringComparer.Ordinal);
        if (baseType == typeof(object)) return types;
        foreach (var type in baseType.Assembly.GetTypes())
        {
            if (!type.IsAbstract && !type.IsInterface && baseType.IsAssignableFrom(type)) types.TryAdd(EventNameOf(type), type);
        }
        return types;
    }
}
