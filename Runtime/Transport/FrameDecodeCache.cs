using System.Text;

namespace GrainStream.Runtime.Transport;

/// <summary>Remembers the strings a connection's frames repeat (grain types and keys, silo
/// addresses, stream names), so decoding them again costs a comparison instead of an allocation.
/// Used only by the connection's read loop, hence unsynchronised.</summary>
internal sealed class FrameDecodeCache
{
    private const int Size = 512; // power of two
    private const int MaxCachedLength = 128;

    private readonly Entry[] _entries = new Entry[Size];
    private string? _siloText;
    private SiloAddress? _silo;

    private struct Entry
    {
        public byte[]? Utf8;
        public string? Value;
    }

    /// <summary>The string for <paramref name="utf8"/>, the same instance as last time when cached.</summary>
    public string GetString(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxCachedLength) return Encoding.UTF8.GetString(utf8);
        var hash = new HashCode();
        hash.AddBytes(utf8);
        ref var entry = ref _entries[hash.ToHashCode() & (Size - 1)];
        if (entry.Utf8 is { } known && utf8.SequenceEqual(known)) return entry.Value!;
        var value = Encoding.UTF8.GetString(utf8);
        // Mostly distinct values (keys) then cost one allocation more, not two.
        if (entry.Utf8 is { } reused && reused.Length == utf8.Length) utf8.CopyTo(reused);
        else entry.Utf8 = utf8.ToArray();
        entry.Value = value;
        return value;
    }

    /// <summary>Parses a silo address, reusing the last one when the text is the same.</summary>
    public SiloAddress ParseSilo(string text)
    {
        if (ReferenceEquals(text, _siloText)) return _silo!;
        var silo = SiloAddress.Parse(text);
        _siloText = text;
        _silo = silo;
        return silo;
    }
}
