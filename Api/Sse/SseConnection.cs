using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using GrainStream.Streams;
using Microsoft.AspNetCore.Http.Features;

namespace GrainStream.Api.Sse;

/// <summary>One open event stream. Relays offer it pre-encoded frames through a bounded queue (never
/// blocking them); a single loop drains the queue into the response's <see cref="PipeWriter"/> and
/// flushes once per drain, not per event. The loop runs on whichever thread wakes it (see
/// <see cref="SseFrameQueue"/>), so a fan-out pays no thread hop per connection. A connection that
/// falls a whole queue behind is cut off after a <c>retry:</c> hint (the client resumes with its Last-Event-ID), except on latest-wins
/// streams, where the oldest queued frame gives way. No timer, task or buffer of its own while idle:
/// heartbeats come from <see cref="SseConnectionTracker"/>'s one shared timer.</summary>
internal sealed class SseConnection
{
    private const int Running = 0, Overflowed = 1, Stopping = 2;

    private readonly HttpContext _context;
    private readonly PipeWriter _writer;
    private readonly SseFrameQueue _queue;
    private readonly int _retryMilliseconds;
    private readonly MultiplexCursor? _cursor;
    private readonly TimeSpan _writeTimeout;
    private readonly TimeProvider _time;
    private readonly bool _directSocketWrites;
    private OrderedSocketOutput? _output; // the connection's output, when this response took its socket
    private Socket? _socket; // set once writes go straight to it
    private byte[]? _unsent; // what a send on the waker's thread left for the drain loop
    private bool _broken; // a send on the waker's thread failed: the client is gone
    private EventPosition? _attachedAt;
    private int _state;
    private int _drainRetryMilliseconds; // set when the node drains: the retry the stream ends with

    /// <summary>A connection; <paramref name="cursor"/> makes it multiplexed (composite ids, wrapped data).</summary>
    public SseConnection(HttpContext context, SseOptions options, bool latestWins, MultiplexCursor? cursor = null)
    {
        _context = context;
        _writer = context.Response.BodyWriter;
        _retryMilliseconds = options.RetryMilliseconds;
        _directSocketWrites = options.DirectSocketWrites;
        _writeTimeout = options.WriteTimeout > TimeSpan.Zero ? options.WriteTimeout : Timeout.InfiniteTimeSpan;
        _time = context.RequestServices?.GetService<TimeProvider>() ?? TimeProvider.System;
        _cursor = cursor;
        _queue = new SseFrameQueue(options.QueueCapacity, dropOldest: latestWins);
    }

    /// <summary>True when the connection was cut off because its queue overflowed.</summary>
    public bool WasCutOff => Volatile.Read(ref _state) == Overflowed;

    /// <summary>Frames waiting in the queue (a racy read, for metrics).</summary>
    public int QueuedFrames => _queue.Count;

    /// <summary>Which of <see cref="SseConnectionTracker"/>'s heartbeat groups the connection is in.</summary>
    public int HeartbeatSlot { get; set; }

    /// <summary>True once a frame that ends the stream was written.</summary>
    public bool HasEnded { get; private set; }

    /// <summary>Queues a frame; never blocks. With <paramref name="wakeNow"/> a waiting drain loop
    /// resumes here, on this thread; otherwise true means the caller must <see cref="Wake"/> it
    /// (see <see cref="SseWakeBatch"/>). Called by relays, the heartbeat timer and joins.</summary>
    public bool Offer(SseFrame frame, bool wakeNow = true)
    {
        switch (_queue.Offer(frame))
        {
            case SseOffer.QueuedWake:
                if (!wakeNow) return true;
                Wake();
                return false;
            case SseOffer.Overflowed:
                // Too far behind: what is queued is still written, then the retry hint, then the end.
                // A full queue has no waiting reader, so there is nothing to wake.
                Interlocked.CompareExchange(ref _state, Overflowed, Running);
                return false;
            default:
                return false;
        }
    }

    /// <summary>Takes the waiting drain loop's turn for a frame that is to be sent straight to the
    /// socket without being queued (<see cref="SendClaimed"/>): only on a direct socket, for a
    /// single-stream frame that does not end the stream, while nothing is queued. False: offer it.</summary>
    public bool TryClaim(SseFrame frame)
        => _socket is not null && _cursor is null && !frame.EndsStream && _queue.TryClaimReader();

    /// <summary>Sends <paramref name="frame"/> after <see cref="TryClaim"/>, then whatever was queued
    /// meanwhile, and gives the turn back to the waiting loop (or resumes it, as <see cref="Wake"/> does).</summary>
    public void SendClaimed(SseFrame frame)
    {
        if (!TrySendHere(_socket!, frame.Chunk, ending: false)) _queue.Wake();
    }

    /// <summary>The socket a claimed frame goes to, for a fan-out that sends it itself (<see cref="SocketSendRing"/>).</summary>
    public Socket ClaimedSocket => _socket!;

    /// <summary>Carries on after a fan-out sent a claimed <paramref name="frame"/> itself: <paramref name="sent"/>
    /// is what the socket took of its chunk, or a negative errno when the connection is gone. Then as
    /// <see cref="SendClaimed"/>: what was queued meanwhile, and the turn back to the waiting loop.</summary>
    public void CompleteClaimedSend(SseFrame frame, int sent)
    {
        var chunk = frame.Chunk;
        if (sent < 0) _broken = true;
        else if (sent < chunk.Length) _unsent = chunk[sent..].ToArray();
        else if (TrySendHere(_socket!, default, ending: false)) return;
        _queue.Wake();
    }

    /// <summary>Resumes the drain loop after <see cref="Offer"/> returned true.</summary>
    /// <remarks>On a direct socket the waker first sends what is queued itself and lets the loop
    /// wait on, untouched: a fan-out then costs one send per connection, not also the loop's resumption.
    /// The loop runs only when there is more to do than a send that the socket takes at once.</remarks>
    public void Wake()
    {
        if (_socket is not { } socket || !TrySendHere(socket, TakeChunk(out var ending), ending)) _queue.Wake();
    }

    // The caller holds the reader's turn (its offer found the loop waiting, or it claimed the loop for
    // an unqueued frame, which never ends the stream) and has `chunk` to send first (empty: already
    // sent): true when it sent that and what was queued and gave the turn back to the waiting loop;
    // false when the loop must resume (the stream ends or was completed, the socket did not take
    // everything, or the send failed).
    private bool TrySendHere(Socket socket, ReadOnlySpan<byte> chunk, bool ending)
    {
        try
        {
            while (true)
            {
                if (!chunk.IsEmpty && ChunkedSocketWriter.TrySend(socket, chunk) is { } rest)
                {
                    _unsent = rest;
                    return false;
                }
                if (ending) return false;
                switch (_queue.TryWaitAgain())
                {
                    case SseWaitAgain.Waiting: return true;
                    case SseWaitAgain.Completed: return false;
                }
                chunk = TakeChunk(out ending);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _broken = true;
            return false;
        }
    }

    /// <summary>Ends the stream after what is queued with a <c>retry:</c> of <paramref name="retryMilliseconds"/>
    /// (the node is draining: each stream gets its own, so its clients do not all come back at once).</summary>
    public void Drain(int retryMilliseconds)
    {
        Volatile.Write(ref _drainRetryMilliseconds, retryMilliseconds);
        Stop();
    }

    /// <summary>Ends the stream after what is queued (graceful shutdown, or the client left).</summary>
    public void Stop()
    {
        Interlocked.CompareExchange(ref _state, Stopping, Running);
        if (_queue.Complete()) _queue.Wake();
    }

    /// <summary>Sets the SSE headers and writes the <c>retry:</c> field (not yet flushed). With
    /// <see cref="SseOptions.DirectSocketWrites"/> it first takes the connection's socket where it can,
    /// so that what Kestrel writes from here on is with the kernel once flushed.</summary>
    public void Start()
    {
        if (_directSocketWrites) _output = ChunkedSocketWriter.TryReserve(_context);
        var response = _context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        _context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        WriteRetry(_writer, _retryMilliseconds);
    }

    /// <summary>Records where the client stands in <paramref name="topic"/> once attached to its relay.</summary>
    public void Attached(string topic, EventPosition position)
    {
        if (_cursor is not null) _cursor.Set(topic, position);
        else _attachedAt = position;
    }

    /// <summary>Writes the client's starting position as an id-only block: per the SSE processing
    /// model it sets EventSource's last event id without dispatching an event, so a client that
    /// reconnects before the first event still resumes from where it joined, without a gap.</summary>
    public void WritePosition()
    {
        if (_cursor is not null)
        {
            _writer.Write("id: "u8);
            _cursor.WriteId(_writer);
            _writer.Write("\n\n"u8);
        }
        else if (_attachedAt is { } position)
        {
            _writer.Write("id: "u8);
            _writer.Write(Encoding.UTF8.GetBytes(position.ToString()).AsSpan());
            _writer.Write("\n\n"u8);
        }
    }

    /// <summary>Writes a frame into the response (unflushed); true when the stream ends after it.</summary>
    public bool Write(SseFrame frame) => Write(frame, _writer);

    private bool Write(SseFrame frame, IBufferWriter<byte> output)
    {
        if (_cursor is null)
        {
            output.Write(frame.Bytes);
            if (frame.EndsStream) HasEnded = true;
            return frame.EndsStream;
        }
        if (frame.Kind == SseFrameKind.Heartbeat)
        {
            output.Write(frame.Bytes);
            return false;
        }
        _cursor.Set(frame.Topic!, frame.Token);
        output.Write("id: "u8);
        _cursor.WriteId(output);
        output.Write("\n"u8);
        output.Write(frame.MultiplexBody);
        return false;
    }

    /// <summary>From now on writes go straight to the socket where that is possible (see
    /// <see cref="ChunkedSocketWriter"/>; <see cref="SseOptions.DirectSocketWrites"/> turns it off). Call once
    /// what was written so far has been flushed.</summary>
    public void WriteToSocketFromNowOn() => _socket = ChunkedSocketWriter.TryTake(_context, _output ??= ChunkedSocketWriter.TryReserve(_context));

    public ValueTask<FlushResult> FlushAsync() => _writer.FlushAsync(_context.RequestAborted);

    /// <summary>The request the stream answers.</summary>
    public HttpContext Context => _context;

    /// <summary>Fires when the client has gone.</summary>
    public CancellationToken Aborted => _context.RequestAborted;

    /// <summary>Drains the queue into the response until the client leaves, the stream ends (a
    /// terminal task status), the connection is cut off, or the application stops; then tells
    /// <paramref name="owner"/>, so that the loop is the only frame a connection keeps while it waits.</summary>
    public async Task RunAsync(ISseConnectionOwner? owner = null)
    {
        var aborted = _context.RequestAborted;
        // One registration for the connection's life, not one per wait.
        using var leaving = aborted.Register(static state => ((SseConnection)state!).Stop(), this);
        try
        {
            while (await _queue.WaitToReadAsync().ConfigureAwait(false))
            {
                if (aborted.IsCancellationRequested) return;
                if (_socket is { } socket)
                {
                    if (_broken) return;
                    if (_unsent is { } unsent)
                    {
                        _unsent = null;
                        if (!await SendRestAsync(socket, unsent, aborted).ConfigureAwait(false)) return;
                    }
                    if (HasEnded) return;
                    if (ChunkedSocketWriter.TrySend(socket, TakeChunk(out var ending)) is { } rest
                        && !await SendRestAsync(socket, rest, aborted).ConfigureAwait(false))
                    {
                        return;
                    }
                    if (ending) return;
                    continue;
                }
                var ends = false;
                while (!ends && _queue.TryRead(out var frame)) ends = Write(frame);
                var flushed = await _writer.FlushAsync(aborted).ConfigureAwait(false);
                if (ends || flushed.IsCompleted || flushed.IsCanceled) return;
            }
            var drainRetry = Volatile.Read(ref _drainRetryMilliseconds);
            if (WasCutOff || drainRetry > 0)
            {
                var retry = drainRetry > 0 ? drainRetry : _retryMilliseconds;
                if (_socket is { } socket)
                {
                    var builder = ChunkedSocketWriter.ChunkBuilder.Rent();
                    WriteRetry(builder, retry);
                    if (ChunkedSocketWriter.TrySend(socket, builder.Finish()) is { } rest) await SendRestAsync(socket, rest, aborted).ConfigureAwait(false);
                }
                else
                {
                    WriteRetry(_writer, retry);
                    await _writer.FlushAsync(aborted).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left.
        }
        catch (Exception e) when (_socket is not null && e is SocketException or ObjectDisposedException)
        {
            // The client left (Kestrel closed the socket, or the send failed).
        }
        finally
        {
            owner?.Ended(this);
        }
    }

    /// <summary>Sends what the socket did not take at once, waiting at most <see cref="SseOptions.WriteTimeout"/>
    /// for the client to take it; false when it did not (the connection is then closed, and the
    /// drain loop ends, releasing what the connection holds).</summary>
    private async ValueTask<bool> SendRestAsync(Socket socket, byte[] rest, CancellationToken aborted)
    {
        // Only on this slow path: a send the socket took at once never gets here.
        using var timer = new CancellationTokenSource(_writeTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, timer.Token);
        try
        {
            await ChunkedSocketWriter.SendRestAsync(socket, rest, linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            _context.Abort();
            return false;
        }
    }

    /// <summary>What is queued as one chunk: a lone single-stream frame as its shared, pre-built
    /// chunk (the fan-out's common case), anything else built on this thread.</summary>
    private ReadOnlySpan<byte> TakeChunk(out bool ends)
    {
        ends = false;
        if (!_queue.TryRead(out var first)) return default;
        if (_cursor is null && _queue.IsEmpty)
        {
            ends = HasEnded = first.EndsStream;
            return first.Chunk;
        }
        var builder = ChunkedSocketWriter.ChunkBuilder.Rent();
        ends = Write(first, builder);
        while (!ends && _queue.TryRead(out var frame)) ends = Write(frame, builder);
        return builder.Finish();
    }

    private static void WriteRetry(IBufferWriter<byte> output, int retryMilliseconds)
    {
        output.Write("retry: "u8);
        output.Write(Encoding.ASCII.GetBytes(retryMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)).AsSpan());
        output.Write("\n\n"u8);
    }
}
