using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace GrainStream.Api.Sse;

/// <summary>The output of one Kestrel connection, standing between Kestrel and its socket
/// transport: it passes everything on to the transport's pipe until an event stream takes the
/// socket (<see cref="TryTakeSocket"/>); from then on it sends Kestrel's bytes to the socket itself,
/// and a flush completes only once the kernel has taken every byte.</summary>
/// <remarks>Why: the transport's pipe sends on its own schedule, so a flush through it may return
/// while bytes (a response head, a replayed history) are still waiting for a slow client's window.
/// A direct send made then could overtake them and corrupt the chunked body. Once the socket is
/// taken, Kestrel's flushes end with nothing pending, so a direct send that follows a completed flush
/// goes after everything Kestrel wrote; and Kestrel writes nothing more until the stream ends, after
/// the direct sends. The socket can be taken only while the transport's pipe has never carried a
/// byte (the first request of the connection): a pipe that did may still hold some.
/// Kestrel serialises its writes and flushes (one writer per connection), so no lock is needed.</remarks>
internal sealed class OrderedSocketOutput : PipeWriter, IDuplexPipe
{

    private const int MinimumBuffer = 4096;

    private readonly PipeWriter _transport;
    private readonly Socket _socket;

    private byte[]? _buffer; // while the socket is taken: what Kestrel wrote and not yet sent
    private int _length;
    private bool _taken;
    private bool _forwarded; // the transport's pipe has carried bytes
    private bool _lent; // memory of the transport's pipe handed out and not yet advanced
    private bool _failed;
    private CancellationTokenSource? _sending;

    /// <summary>Stands between <paramref name="transport"/> (the connection's pipe pair) and
    /// <paramref name="socket"/>.</summary>
    public OrderedSocketOutput(IDuplexPipe transport, Socket socket)
    {
        _transport = transport.Output;
        _socket = socket;
        Input = transport.Input;
    }

    /// <summary>The transport's input, unchanged: as the connection's pipe pair, this output stands in
    /// for the transport's (one object per connection instead of two).</summary>
    public PipeReader Input { get; }

    PipeWriter IDuplexPipe.Output => this;

    /// <summary>The connection's _socket.</summary>
    public Socket Socket => _socket;

    /// <summary>True once the socket is taken: sends then go straight to it, in order.</summary>
    public bool IsTaken => _taken;

    /// <summary>How many flushes had to wait for the socket to take their bytes (the client's window
    /// was full): each is a point where a direct send could have overtaken Kestrel's bytes.</summary>
    public int FlushesThatWaited { get; private set; }

    /// <summary>Takes the socket: from now on every flush completes only when the kernel has taken
    /// its bytes. Call before the response head is written; false (nothing changes) when the
    /// transport's pipe already carried bytes, or the socket cannot be made non-blocking.</summary>
    public bool TryTakeSocket()
    {
        if (_taken) return true;
        if (_forwarded || _lent) return false;
        try
        {
            // Kestrel only uses asynchronous operations; this makes a synchronous send return at once
            // when the socket's buffer is full instead of blocking the sending thread.
            _socket.Blocking = false;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
        _taken = true;
        return true;
    }

    public override void Advance(int bytes)
    {
        if (!_taken)
        {
            _lent = false;
            if (bytes > 0) _forwarded = true;
            _transport.Advance(bytes);
            return;
        }
        _length += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (!_taken)
        {
            _lent = true;
            return _transport.GetMemory(sizeHint);
        }
        Reserve(sizeHint);
        return _buffer.AsMemory(_length);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        if (!_taken)
        {
            _lent = true;
            return _transport.GetSpan(sizeHint);
        }
        Reserve(sizeHint);
        return _buffer.AsSpan(_length);
    }

    public override bool CanGetUnflushedBytes => _taken || _transport.CanGetUnflushedBytes;

    public override long UnflushedBytes => _taken ? _length : _transport.UnflushedBytes;

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (!_taken) return _transport.FlushAsync(cancellationToken);
        if (_failed) return new(new FlushResult(isCanceled: false, isCompleted: true));
        if (_length == 0) return default;
        var sent = _socket.Send(_buffer.AsSpan(0, _length), SocketFlags.None, out var error);
        if (error == SocketError.Success && sent == _length)
        {
            ReleaseBuffer();
            return default;
        }
        if (error is not (SocketError.Success or SocketError.WouldBlock)) return new(Fail());
        FlushesThatWaited++;
        return SendRestAsync(Math.Max(0, sent), cancellationToken);
    }

    private async ValueTask<FlushResult> SendRestAsync(int sent, CancellationToken cancellationToken)
    {
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _sending = sending;
        try
        {
            while (sent < _length) sent += await _socket.SendAsync(_buffer.AsMemory(sent, _length - sent), SocketFlags.None, sending.Token).ConfigureAwait(false);
            ReleaseBuffer();
            return default;
        }
        catch (OperationCanceledException)
        {
            // How much of a cancelled send went out is unknown: the stream cannot go on.
            Fail();
            return new FlushResult(isCanceled: true, isCompleted: false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return Fail();
        }
        finally
        {
            _sending = null;
        }
    }

    public override void CancelPendingFlush()
    {
        if (_taken) _sending?.Cancel();
        else _transport.CancelPendingFlush();
    }

    public override void Complete(Exception? exception = null)
    {
        // A send still pending owns the buffer: cancelled, it releases it itself.
        if (_sending is { } sending) sending.Cancel();
        else ReleaseBuffer();
        // The transport's pipe carries nothing after the socket was taken; completing it lets the
        // transport shut the socket down as usual.
        _transport.Complete(exception);
    }

    private FlushResult Fail()
    {
        _failed = true;
        ReleaseBuffer();
        return new FlushResult(isCanceled: false, isCompleted: true);
    }

    private void Reserve(int sizeHint)
    {
        var needed = _length + Math.Max(sizeHint, 1);
        if (_buffer is not null && needed <= _buffer.Length) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(MinimumBuffer, (_buffer?.Length ?? 0) * 2)));
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
        }
        _buffer = bigger;
    }

    // Between flushes an idle stream holds no buffer.
    private void ReleaseBuffer()
    {
        _length = 0;
        if (_buffer is null) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
    }
}
