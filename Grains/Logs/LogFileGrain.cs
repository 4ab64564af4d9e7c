using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainStream.Grains.Logs;

/// <summary>Tails one file under the log root (key: the file name) and appends to it for the API.
/// Publishes <c>line</c> <see cref="LogLine"/> and <c>rotated</c> <see cref="LogRotated"/> on
/// <see cref="LogStreams.File"/>.</summary>
/// <remarks>
/// Reading happens in turns only: the timer (the polling fallback), the watcher (through
/// <see cref="ILogFileTail.Poll"/>) and <see cref="Append"/> all run the same read. A read emits
/// each complete line after the saved offset and leaves a partial last line for later. The file is
/// taken as rotated when it became shorter than the offset (<c>truncated</c>), or when its first
/// bytes (up to 64) differ from those seen before, or it disappeared and came back (<c>replaced</c>);
/// numbering then restarts at 1 from offset 0. A replacement that starts with the same 64 bytes
/// and is at least as long is not noticed. The offset is saved after each read that moved it, so a
/// new activation resumes there; lines published but not yet saved when a silo crashes are
/// published again (at least once).
/// <para>Lines are published in blocks of <see cref="LogOptions.PublishBatchSize"/> with one hub
/// call each (the hub commits a block as one group), so a burst of lines costs a few calls and
/// commits rather than one per line. A file the grain has never read that is longer than
/// <see cref="LogOptions.InitialReadBytes"/> is not read from its start: reading begins at its last
/// <c>tail</c> lines, and numbering at 1 there. The watch (notifications and the poll timer) lasts
/// while the stream has subscribers; after <see cref="LogOptions.WatchIdleTimeout"/> without one it
/// stops and the activation is let go.</para>
/// </remarks>
public sealed class LogFileGrain(
    [FromKeyedServices(PlatformClock.Key)] TimeProvider time,
    LogRoot root,
    LogRootWatcher watcher,
    IOptions<LogOptions> options,
    ILogger<LogFileGrain> logger,
    [PersistentState("state")] IPersistentState<LogFileState> state) : Grain, ILogFileGrain, ILogFileTail
{
    private const int HeadLength = 64;

    private readonly LogOptions _options = options.Value;
    private IDisposable? _watch;
    private IGrainTimer? _pollTimer;
    private int _pollRequested;
    private bool _refusedLogged;
    private int _firstReadTail;
    private DateTimeOffset _lastListened;

    private string Name => this.GetPrimaryKeyString();

    private LogFileState S => state.State;

    // Big enough for two maximal lines, so that every chunk holds at least one piece to emit.
    private int ChunkSize => Math.Max(1024 * 1024, 2 * MaxLineLength + 2);

    private int MaxLineLength => Math.Max(1, _options.MaxLineLength);

    /// <inheritdoc/>
    public async Task<int> Append(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var path = root.Resolve(Name);
        long total = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i] ?? throw new ArgumentException($"lines[{i}] is null.", nameof(lines));
            if (line.AsSpan().IndexOfAny('\r', '\n') >= 0) throw new ArgumentException($"lines[{i}] contains a line break; send each line as its own item.", nameof(lines));
            total += Encoding.UTF8.GetByteCount(line) + 1;
            if (total > _options.MaxAppendBytes) throw new ArgumentException($"lines must not exceed {_options.MaxAppendBytes} bytes of UTF-8 in one append.", nameof(lines));
        }
        if (lines.Count == 0) return 0;

        // A file never read is first taken as it stands (a large one from its end), so that
        // only what is appended now is new.
        if (IsNew) await ReadAsync();

        // A last line left open by another writer is ended first, so that the first appended line stays a line of its own.
        var separator = EndsOpen(path) ? 1 : 0;
        var buffer = new byte[separator + total];
        var position = 0;
        if (separator == 1) buffer[position++] = (byte)'\n';
        foreach (var line in lines)
        {
            position += Encoding.UTF8.GetBytes(line, buffer.AsSpan(position));
            buffer[position++] = (byte)'\n';
        }
        // One write at the end, whole or not at all, after whatever other programs appended.
        await using (var stream = root.OpenForAppend(Name, _options.AllowsCreate))
        {
            await WholeAppend.WriteAsync(stream, buffer);
        }
        await ReadAsync();
        return lines.Count;
    }

    /// <inheritdoc/>
    public async Task EnsureWatching(int tail = 0)
    {
        root.Resolve(Name);
        ArgumentOutOfRangeException.ThrowIfNegative(tail);
        _lastListened = time.GetUtcNow();
        if (IsNew) _firstReadTail = Math.Max(_firstReadTail, tail);
        if (_watch is not null) return;
        var self = GrainFactory.GetGrain<ILogFileTail>(Name);
        _watch = watcher.Watch(Name, () => RequestPoll(self));
        _pollTimer = this.RegisterGrainTimer(_ => PollAndCheckListenersAsync(), new GrainTimerCreationOptions(_options.PollInterval, _options.PollInterval) { KeepAlive = true });
        await ReadAsync();
    }

    /// <inheritdoc/>
    public Task<LogFileStatus> GetStatus()
    {
        EntityKey.Require(Name, "name");
        return Task.FromResult(new LogFileStatus(Name, S.Lines, S.Offset, _watch is not null));
    }

    /// <inheritdoc/>
    Task ILogFileTail.Poll()
    {
        Volatile.Write(ref _pollRequested, 0);
        return ReadAsync();
    }

    /// <inheritdoc/>
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        StopWatching();
        return Task.CompletedTask;
    }

    /// <summary>True while the grain has never seen the file (nor its absence after seeing it).</summary>
    private bool IsNew => S.Offset == 0 && S.Lines == 0 && S.Head.Length == 0 && !S.Missing;

    /// <summary>The poll timer: reads, then ends the watch when nobody has listened for the idle timeout.</summary>
    private async Task PollAndCheckListenersAsync()
    {
        await ReadAsync();
        var subscribers = await this.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetEventStream(LogStreams.File(Name)).GetSubscriberCountAsync();
        var now = time.GetUtcNow();
        if (subscribers > 0)
        {
            _lastListened = now;
        }
        else if (now - _lastListened >= _options.WatchIdleTimeout && _watch is not null)
        {
            logger.LogDebug("Log {Name} has had no subscriber for {Timeout}; it is no longer watched", Name, _options.WatchIdleTimeout);
            StopWatching();
            DeactivateOnIdle();
        }
    }

    private void StopWatching()
    {
        _watch?.Dispose();
        _watch = null;
        _pollTimer?.Dispose();
        _pollTimer = null;
    }

    /// <summary>From the watcher's thread: asks for a read as a turn, once however many changes arrive before it starts.</summary>
    private void RequestPoll(ILogFileTail tail)
    {
        if (Interlocked.Exchange(ref _pollRequested, 1) != 0) return;
        _ = PollAsync();

        async Task PollAsync()
        {
            try
            {
                await tail.Poll();
            }
            catch (Exception exception)
            {
                Volatile.Write(ref _pollRequested, 0);
                logger.LogDebug(exception, "A change notification of log {Name} could not be delivered; the poll timer will catch up", Name);
            }
        }
    }

    /// <summary>Reads what the file gained since the last read and publishes it.</summary>
    private async Task ReadAsync()
    {
        string path;
        try
        {
            path = root.Resolve(Name);
        }
        catch (Exception exception) when (exception is ArgumentException or UnauthorizedAccessException)
        {
            if (!_refusedLogged) logger.LogWarning("Log {Name} is not read: {Reason}", Name, exception.Message);
            _refusedLogged = true;
            return;
        }
        try
        {
            await ReadFileAsync(path);
        }
        catch (IOException exception)
        {
            // Another program may hold or move the file; the next poll tries again.
            logger.LogWarning(exception, "Reading log {Name} failed", Name);
        }
    }

    private async Task ReadFileAsync(string path)
    {
        FileStream? stream;
        try
        {
            stream = root.OpenForRead(Name);
        }
        catch (UnauthorizedAccessException exception)
        {
            if (!_refusedLogged) logger.LogWarning("Log {Name} is not read: {Reason}", Name, exception.Message);
            _refusedLogged = true;
            return;
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            if (!S.Missing && (S.Offset > 0 || S.Head.Length > 0))
            {
                S.Missing = true;
                await state.WriteStateAsync();
            }
            return;
        }

        await using (stream)
        {
            var length = stream.Length;
            var head = new byte[(int)Math.Min(HeadLength, length)];
            await stream.ReadExactlyAsync(head);
            var changed = false;
            if (Rotation(length, head) is { } reason)
            {
                await Publish(new LogRotated(Name, reason, time.GetUtcNow()));
                S.Offset = 0;
                S.Lines = 0;
                S.Head = [];
                changed = true;
            }
            if (IsNew && length > _options.InitialReadBytes)
            {
                // A large file met for the first time: its past is not replayed, only its last lines.
                S.Offset = await StartOfLastLinesAsync(stream, length, _firstReadTail);
                changed = true;
            }
            if (S.Missing || head.Length > S.Head.Length)
            {
                S.Missing = false;
                S.Head = head;
                changed = true;
            }

            // Bound one turn's work; the rest is read in the next turn, so other calls get their turn.
            var budget = 8L * ChunkSize;
            var buffer = new byte[(int)Math.Min(ChunkSize, Math.Max(0, length - S.Offset))];
            while (S.Offset < length && budget > 0)
            {
                stream.Position = S.Offset;
                var wanted = (int)Math.Min(buffer.Length, length - S.Offset);
                var count = await stream.ReadAtLeastAsync(buffer.AsMemory(0, wanted), wanted, throwOnEndOfStream: false);
                if (count == 0) break;
                budget -= count;
                var emitted = await EmitLinesAsync(buffer.AsMemory(0, count));
                if (emitted == 0) break; // only a partial line is left
                await state.WriteStateAsync();
                changed = false;
            }
            if (changed) await state.WriteStateAsync();
            if (budget <= 0 && S.Offset < length) RequestPoll(GrainFactory.GetGrain<ILogFileTail>(Name));
        }
    }

    /// <summary>Publishes the lines that <paramref name="data"/> (read at the offset) completes, in
    /// blocks of <see cref="LogOptions.PublishBatchSize"/>, and moves the offset past each block once
    /// it is published.</summary>
    private async Task<int> EmitLinesAsync(ReadOnlyMemory<byte> data)
    {
        var blockSize = Math.Max(1, _options.PublishBatchSize);
        var block = new List<LogLine>(blockSize);
        var emitted = 0;
        var position = 0;
        var blockBytes = 0L;
        while (LogLineScanner.TryNext(data.Span[position..], MaxLineLength, out var textLength, out var consumed))
        {
            block.Add(new LogLine(S.Lines + block.Count + 1, Encoding.UTF8.GetString(data.Span.Slice(position, textLength))));
            position += consumed;
            blockBytes += consumed;
            if (block.Count == blockSize) await PublishBlockAsync();
        }
        if (block.Count > 0) await PublishBlockAsync();
        return emitted;

        async Task PublishBlockAsync()
        {
            await LineStream.OnNextBatchAsync(block);
            S.Lines += block.Count;
            S.Offset += blockBytes;
            emitted += block.Count;
            block.Clear();
            blockBytes = 0;
        }
    }

    /// <summary>Where the last <paramref name="lines"/> complete lines of the file start (the end of
    /// its last complete line when 0), looking back no further than <see cref="LogOptions.InitialReadBytes"/>:
    /// with fewer lines there, the first line that starts in that window.</summary>
    private async Task<long> StartOfLastLinesAsync(FileStream stream, long length, int lines)
    {
        var window = (int)Math.Min(length, Math.Clamp(_options.InitialReadBytes, 1, int.MaxValue));
        var from = length - window;
        var bytes = new byte[window];
        stream.Position = from;
        await stream.ReadExactlyAsync(bytes);
        // The newline that ends the last complete line, then one more per line wanted.
        var end = bytes.Length;
        for (var i = 0; i <= lines; i++)
        {
            var newline = bytes.AsSpan(0, end).LastIndexOf((byte)'\n');
            if (newline < 0)
            {
                // Fewer lines in the window than wanted: the first line that starts in it (with no
                // line end in it at all, the end, so that no piece of a line is taken for a whole one).
                if (from == 0) return 0;
                var first = bytes.AsSpan().IndexOf((byte)'\n');
                return first < 0 ? length : from + first + 1;
            }
            end = newline;
        }
        return from + end + 1;
    }

    /// <summary>Why the file must be read again from the start, or null when it simply grew.</summary>
    private string? Rotation(long length, byte[] head)
    {
        if (S.Missing) return "replaced";
        if (length < S.Offset) return "truncated";
        var known = S.Head.AsSpan();
        if (head.AsSpan().StartsWith(known)) return null;
        // Shorter than what was seen and equal as far as it goes: cut, not replaced.
        return known.StartsWith(head) ? "truncated" : "replaced";
    }

    private Orleans.Streams.IAsyncStream<LogLine> LineStream
        => this.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetStream<LogLine>(LogStreams.File(Name));

    private Task Publish<T>(T payload)
        => this.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetStream<T>(LogStreams.File(Name)).OnNextAsync(payload);

    /// <summary>True when the file exists, is not empty and does not end with a line break.</summary>
    private static bool EndsOpen(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
            if (stream.Length == 0) return false;
            stream.Position = stream.Length - 1;
            return stream.ReadByte() != '\n';
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }
}
