namespace GrainStream.Grains.Logs;

/// <summary>Log tailing settings, bound from the configuration section <c>Logs</c>.</summary>
public sealed class LogOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Logs";

    /// <summary>The directory whose files can be tailed and appended to; relative paths are taken
    /// from the process's current directory. Created when missing. Default <c>./logs</c>. Every
    /// silo of a cluster must see the same directory.</summary>
    public string Root { get; set; } = "./logs";

    /// <summary>How often a watched file is read even without a change notification (the
    /// fallback for file systems that do not notify, and for missed notifications). Default 1 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The most bytes one append may write (UTF-8, line endings included). Default 1 MiB.
    /// The API should answer a larger body with 413 before calling the grain, which refuses it
    /// with an <see cref="ArgumentException"/>.</summary>
    public int MaxAppendBytes { get; set; } = 1024 * 1024;

    /// <summary>The longest line, in UTF-8 bytes, that one <c>line</c> event carries. A longer
    /// line is split (at a character boundary) into several events, each with its own number, so
    /// nothing is lost and memory stays bounded even for a file that never ends a line. Default 64 KiB.</summary>
    public int MaxLineLength { get; set; } = 64 * 1024;

    /// <summary>Lines published to the log's stream with one call to its hub (and so committed to the
    /// event log in groups of this many at most): a large append or a burst from another writer costs
    /// a call and a commit per this many lines, not one per line. Default 1024.</summary>
    public int PublishBatchSize { get; set; } = 1024;

    /// <summary>A file longer than this (bytes) that the log's grain has never read is not read from
    /// its start when a tail begins on it: the tail starts at its last <c>tail=</c> lines (those that
    /// lie within this many bytes of its end; none without <c>tail=</c>). A shorter file is read
    /// whole. Default 1 MiB.</summary>
    public long InitialReadBytes { get; set; } = 1024 * 1024;

    /// <summary>How long a watched file's stream may have no subscriber before the watch (the
    /// file notifications and the poll timer) stops and the grain is let go; also the time a new
    /// tail has to subscribe after it asked for the watch. Default 10 s.</summary>
    public TimeSpan WatchIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether an append may create a log file that does not exist (else it is
    /// <see cref="FileNotFoundException"/>, HTTP 404). Unset: allowed in the embedded mode, not in the
    /// cluster (a silo's hosting decides; see <see cref="AllowsCreate"/>).</summary>
    public bool? AllowCreate { get; set; }

    /// <summary><see cref="AllowCreate"/>, true when unset (the embedded default).</summary>
    public bool AllowsCreate => AllowCreate ?? true;
}
