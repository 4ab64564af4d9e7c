namespace GrainStream.Runtime.Generators.Support;

/// <summary>A copy of <c>GrainStream.StableHash.Fnv1a32</c>: interface ids are computed at
/// generation time and must equal what the runtime computes from the interface's full name.</summary>
internal static class StableHash
{
    /// <summary>32-bit FNV-1a over the UTF-16 code units of <paramref name="value"/>, low byte first.</summary>
    public static int Fnv1a32(string value)
    {
        uint hash = 2166136261;
        foreach (var c in value)
        {
            unchecked
            {
                hash = (hash ^ (byte)c) * 16777619;
                hash = (hash ^ (byte)(c >> 8)) * 16777619;
            }
        }
        return unchecked((int)hash);
    }
}
