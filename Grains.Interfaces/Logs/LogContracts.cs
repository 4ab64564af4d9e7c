using GrainStream.Streams;

namespace GrainStream.Grains.Logs;

/// <summary>Payload of the <c>line</c> event.</summary>
/// <param name="N">The line's number, 1-based, counted from where the tail began reading the file
/// (restarting at 1 after rotation): its line number in the file, unless the tail began on a large
/// file it had never read and skipped the file's start (<c>Logs:InitialReadBytes</c>); then the first
/// line read is 1. Each line is one more than the one before it.</param>
/// <param name="Text">The line without its line ending.</param>
[GenerateSerializer, Immutable]
[StreamEventName("line")]
public sealed record LogLine(long N, string Text);

/// <summary>Payload of the <c>rotated</c> event: the file shrank or was replaced; numbering restarts.</summary>
/// <param name="Name">The log.</param>
/// <param name="Reason">Why: <c>truncated</c> or <c>replaced</c>.</param>
/// <param name="At">When it was noticed.</param>
[GenerateSerializer, Immutable]
[StreamEventName("rotated")]
public sealed record LogRotated(string Name, string Reason, DateTimeOffset At);

/// <summary>A log file under the log root.</summary>
/// <param name="Name">Its name (a key).</param>
/// <param name="Size">Bytes.</param>
/// <param name="ModifiedAt">Last write.</param>
[GenerateSerializer, Immutable]
public sealed record LogFileInfo(string Name, long Size, DateTimeOffset ModifiedAt);

/// <summary>Where a tail stands.</summary>
/// <param name="Name">The log.</param>
/// <param name="Lines">Lines read so far.</param>
/// <param name="Offset">Bytes read so far.</param>
/// <param name="Watching">True while the file is watched.</param>
[GenerateSerializer, Immutable]
public sealed record LogFileStatus(string Name, long Lines, long Offset, bool Watching);

/// <summary>The streams of log files.</summary>
public static class LogStreams
{
    /// <summary>The file's <c>line</c> and <c>rotated</c> events.</summary>
    public static StreamId File(string name) => StreamIds.Create("log", name);
}
