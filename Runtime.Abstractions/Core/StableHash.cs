using System.Text;

namespace GrainStream;

/// <summary>Hashes that are identical in every process and on every machine, unlike
/// <see cref="string.GetHashCode()"/>; used for interface ids and placement.</summary>
public static class StableHash
{
    /// <summary>32-bit FNV-1a over the UTF-16 code units of <paramref name="value"/>. The source
    /// generator computes interface ids with the same function at compile time.</summary>
    public static int Fnv1a32(string value)
    {
        uint hash = 2166136261;
        foreach (var c in value)
        {
            hash = (hash ^ (byte)c) * 16777619;
            hash = (hash ^ (byte)(c >> 8)) * 16777619;
        }
        return unchecked((int)hash);
    }

    /// <summary>64-bit FNV-1a over the UTF-8 bytes of <paramref name="value"/>, finished with a
    /// mixing step so that nearby keys spread evenly (used by rendezvous placement).</summary>
    public static ulong Hash64(string value)
    {
        ulong hash = 14695981039346656037;
        Span<byte> buffer = value.Length <= 256 ? stackalloc byte[value.Length * 3] : new byte[Encoding.UTF8.GetMaxByteCount(value.Length)];
        var length = Encoding.UTF8.GetBytes(value, buffer);
        foreach (var b in buffer[..length])
        {
            hash = (hash ^ b) * 1099511628211;
        }
        return Mix(hash);
    }

    /// <summary>Combines two 64-bit hashes (SplitMix64 finaliser over their xor).</summary>
    public static ulong Combine(ulong a, ulong b) => Mix(a ^ (b + 0x9E3779B97F4A7C15 + (a << 6) + (a >> 2)));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
