namespace GrainStream.Grains.Logs;

/// <summary>The persistent state of a <see cref="LogFileGrain"/>: where the tail stands.</summary>
public sealed class LogFileState
{
    /// <summary>Bytes of the file read so far (the start of the first line not yet emitted).</summary>
    public long Offset { get; set; }

    /// <summary>Lines emitted so far since the file started (or last rotated).</summary>
    public long Lines { get; set; }

    /// <summary>The file's first bytes (up to 64) as last seen: a file whose start differs was replaced.</summary>
    public byte[] Head { get; set; } = [];

    /// <summary>True when the file was seen and then disappeared: when one appears again it is a new file.</summary>
    public bool Missing { get; set; }
}
