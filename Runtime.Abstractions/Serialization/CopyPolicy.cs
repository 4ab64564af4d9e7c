using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reflection;

namespace GrainStream.Serialization;

/// <summary>Decides once per type whether values of <typeparamref name="T"/> may be shared between
/// grains of one silo without copying. The JIT folds the answer to a constant on the call path.</summary>
public static class CopyPolicy<T>
{
    /// <summary>True when no value of <typeparamref name="T"/> can be mutated after it was passed.</summary>
    public static readonly bool IsImmutable = CopyPolicy.IsImmutable(typeof(T));
}

/// <summary>The rules behind <see cref="CopyPolicy{T}"/>: primitives, strings, enums, common
/// value types, <see cref="ImmutableAttribute"/> types, immutable collections of immutable
/// elements, and sealed classes, records and structs whose fields are all read-only and immutable.</summary>
public static class CopyPolicy
{
    private static readonly ConcurrentDictionary<Type, bool> Cache = new();

    /// <summary>True when values of <paramref name="type"/> are deeply immutable.</summary>
    public static bool IsImmutable(Type type) => Cache.TryGetValue(type, out var known) ? known : Compute(type, []);

    private static bool Compute(Type type, HashSet<Type> visiting)
    {
        if (Cache.TryGetValue(type, out var known)) return known;
        if (!visiting.Add(type)) return true; // a cycle is judged by its other fields
        var result = Decide(type, visiting);
        visiting.Remove(type);
        Cache.TryAdd(type, result);
        return result;
    }

    private static bool Decide(Type type, HashSet<Type> visiting)
    {
        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(Guid)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(DateOnly)
            || type == typeof(TimeOnly) || type == typeof(Uri) || type == typeof(Version) || type == typeof(GrainId))
        {
            return true;
        }
        if (type.IsDefined(typeof(ImmutableAttribute), inherit: false)) return true;
        if (Nullable.GetUnderlyingType(type) is { } underlying) return Compute(underlying, visiting);
        if (typeof(Invocation.GrainReference).IsAssignableFrom(type) || typeof(IGrain).IsAssignableFrom(type) && type.IsInterface) return true;
        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            if (definition == typeof(ImmutableArray<>) || definition == typeof(ImmutableList<>) || definition == typeof(ImmutableDictionary<,>)
                || definition == typeof(ImmutableHashSet<>) || definition == typeof(ImmutableSortedDictionary<,>) || definition == typeof(KeyValuePair<,>)
                || definition.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true
                || definition.FullName?.StartsWith("System.Tuple`", StringComparison.Ordinal) == true)
            {
                return type.GetGenericArguments().All(argument => Compute(argument, visiting));
            }
        }
        if (type.IsArray || type.IsInterface || type.IsAbstract || type.IsPointer) return false;
        // A class that is not sealed may be a mutable subclass at run time.
        if (!type.IsValueType && !type.IsSealed) return false;
        if (type.Namespace?.StartsWith("System", StringComparison.Ordinal) == true && type.Assembly == typeof(object).Assembly) return false;
        const BindingFlags fields = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        for (var current = type; current is not null && current != typeof(object) && current != typeof(ValueType); current = current.BaseType)
        {
            foreach (var field in current.GetFields(fields | BindingFlags.DeclaredOnly))
            {
                if (!field.IsInitOnly || !Compute(field.FieldType, visiting)) return false;
            }
        }
        return true;
    }
}
