using System;
using System.Collections.Generic;

namespace GrainStream.Runtime.Generators.Emitters;

/// <summary>Hands out identifiers that are unique within one generation run, appending _2, _3, …
/// to a name already taken (sanitised names of different interfaces can coincide).</summary>
internal sealed class NameAllocator
{
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    public string Allocate(string desired)
    {
        var name = desired;
        for (var n = 2; !_taken.Add(name); n++) name = desired + "_" + n;
        return name;
    }
}
