namespace GrainStream.Grains.Logs;

/// <summary>Appends a block of lines to a file whole or not at all. A write the disk cannot take whole
/// (it filled up, a quota) otherwise leaves the part that fitted, often ending in a torn line: readers
/// would tail lines whose append was answered as failed, and a client's retry would write them twice.</summary>
internal static class WholeAppend
{
    /// <summary>Writes <paramref name="bytes"/> at the end of <paramref name="stream"/>'s file; when the
    /// write fails, cuts the file back to the length it had and rethrows.</summary>
    public static async Task WriteAsync(Stream stream, ReadOnlyMemory<byte> bytes)
    {
        // The file's length, not the stream's position: in the kernel's append mode the position says nothing.
        var start = stream.Length;
        try
        {
            await stream.WriteAsync(bytes);
        }
        catch (IOException)
        {
            try
            {
                stream.SetLength(start);
            }
            catch (IOException)
            {
                // The file cannot even be cut (the device failed): the write's own error says more.
            }
            throw;
        }
    }
}
