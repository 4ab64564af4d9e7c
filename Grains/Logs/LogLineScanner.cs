namespace GrainStream.Grains.Logs;

/// <summary>Finds the next line in bytes read from a log file. Lines end with <c>\n</c>; a
/// <c>\r</c> before it is dropped. A line without its <c>\n</c> is not complete yet, unless it is
/// already longer than the maximum: then a piece of at most the maximum is cut at a UTF-8 character
/// boundary, so that text is never held back without bound and no character is split.</summary>
internal static class LogLineScanner
{
    /// <summary>True when <paramref name="data"/> starts with a piece to emit: its text is the first
    /// <paramref name="textLength"/> bytes and the piece takes <paramref name="consumed"/> bytes of the file.</summary>
    public static bool TryNext(ReadOnlySpan<byte> data, int maxLineLength, out int textLength, out int consumed)
    {
        var newline = data.IndexOf((byte)'\n');
        if (newline >= 0)
        {
            textLength = newline > 0 && data[newline - 1] == (byte)'\r' ? newline - 1 : newline;
            consumed = newline + 1;
            if (textLength <= maxLineLength) return true;
        }
        else if (data.Length <= maxLineLength + 1)
        {
            // Incomplete (one byte of slack for a "\r" whose "\n" is on its way).
            textLength = consumed = 0;
            return false;
        }
        var cut = maxLineLength;
        while (cut > 0 && (data[cut] & 0xC0) == 0x80) cut--;
        if (cut == 0) cut = maxLineLength;
        textLength = consumed = cut;
        return true;
    }
}
