using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using GrainStream.Runtime.Messaging;

namespace GrainStream.Runtime.Transport;

/// <summary>Handles one complete frame (without its length prefix) on the connection's read loop.</summary>
internal delegate void FrameHandler(Connection connection, ReadOnlySpan<byte> frame);

/// <summary>A TCP connection carrying length-prefixed frames. Senders copy encoded frames into one
/// pending buffer; a single writer swaps it out and sends everything queued with one socket call,
/// so many small messages share a syscall. The read loop parses frames straight out of its receive
/// buffer and hands each to the handler on the same thread.</summary>
internal sealed class Connection : IThreadPoolWorkItem, Scheduling.IDeferredWork
{
    private const int BufferSize = 64 * 1024;
    // Leave room for at least this much in the receive buffer before the next read.
    private const int MinReadSize = 16 * 1024;

    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _maxFrameSize;
    private readonly Lock _sendLock = new();
    private byte[] _pending = [];
    private int _pendingLength;
    private byte[]? _spare;
    private bool _writing;
    private Socket? _socket;
    private int _closing;

    // The hello is queued before any I/O starts, so it is always the first frame on the wire: no
    // other thread can find the connection, nor the peer answer, before it is in place.
    private Connection(int maxFrameSize, bool outbound, SiloAddress? remoteSilo, PooledBufferWriter hello)
    {
        _maxFrameSize = maxFrameSize;
        IsOutbound = outbound;
        RemoteSilo = remoteSilo;
        Send(hello);
    }

    public bool IsOutbound { get; }

    /// <summary>The peer silo, once known (outbound: the one dialled; inbound: from its hello).</summary>
    public SiloAddress? RemoteSilo { get; set; }

    /// <summary>The peer client, once its hello arrived.</summary>
    public Guid RemoteClient { get; set; }

    /// <summary>True once the peer's hello was accepted.</summary>
    public bool HelloReceived { get; set; }

    public bool IsClosed => _closing != 0;

    /// <summary>Why the read loop closed the connection, when not for a socket reason.</summary>
    public Exception? Fault { get; private set; }

    /// <summary>Strings and addresses seen in this connection's frames; used by the read loop only.</summary>
    public FrameDecodeCache DecodeCache { get; } = new();

    /// <summary>Completes when the connection is closed, for whatever reason.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Wraps an accepted socket; <paramref name="hello"/> is the first frame it sends.</summary>
    public static Connection Accept(Socket socket, PooledBufferWriter hello, int maxFrameSize, FrameHandler handler)
    {
        var connection = new Connection(maxFrameSize, outbound: false, remoteSilo: null, hello);
        connection.Run(socket, handler);
        return connection;
    }

    /// <summary>Creates a connection that dials <paramref name="silo"/> in the background, sending
    /// <paramref name="hello"/> first; frames sent meanwhile wait in order.</summary>
    public static Connection Dial(SiloAddress silo, PooledBufferWriter hello, int maxFrameSize, FrameHandler handler, TimeSpan connectTimeout)
    {
        var connection = new Connection(maxFrameSize, outbound: true, silo, hello);
        _ = connection.DialAsync(silo.EndPoint, handler, connectTimeout);
        return connection;
    }

    private async Task DialAsync(IPEndPoint endPoint, FrameHandler handler, TimeSpan connectTimeout)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closed.Token);
            timeout.CancelAfter(connectTimeout);
            await socket.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            socket.Dispose();
            Close();
            return;
        }
        Run(socket, handler);
    }

    private void Run(Socket socket, FrameHandler handler)
    {
        socket.NoDelay = true;
        bool write;
        lock (_sendLock)
        {
            _socket = socket;
            // Frames sent while dialling waited for the socket.
            write = !_writing && _pendingLength > 0;
            if (write) _writing = true;
        }
        if (IsClosed)
        {
            socket.Dispose();
            _completion.TrySetResult();
            return;
        }
        if (write) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        _ = ReadLoopAsync(socket, handler);
    }

    /// <summary>Queues a frame (length prefix included) and releases it.</summary>
    public bool Send(PooledBufferWriter frame)
    {
        var sent = Send(frame.WrittenSpan);
        frame.Release();
        return sent;
    }

    /// <summary>Queues a copy of a frame (length prefix included); false when the connection is closed.</summary>
    public bool Send(ReadOnlySpan<byte> frame)
    {
        lock (_sendLock)
        {
            if (IsClosed) return false;
            if (_pending.Length - _pendingLength < frame.Length) GrowPending(frame.Length);
            frame.CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += frame.Length;
            if (_writing || _socket is null) return true;
            _writing = true;
        }
        // One writer at a time: at the end of the current read loop batch, or else on a pool thread.
        // Frames queued meanwhile go out with the same send; a send per frame would cost a syscall each.
        if (Scheduling.TurnBatch.Current is { } batch) batch.Add(this);
        else ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return true;
    }

    void Scheduling.IDeferredWork.RunDeferred(bool inline)
    {
        if (inline) ((IThreadPoolWorkItem)this).Execute();
        else ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    private void GrowPending(int needed)
    {
        var next = ArrayPool<byte>.Shared.Rent(Math.Max(BufferSize, Math.Max(_pending.Length * 2, _pendingLength + needed)));
        _pending.AsSpan(0, _pendingLength).CopyTo(next);
        Recycle(_pending);
        _pending = next;
    }

    // Keeps one standard-size buffer for the next swap; others go back to the pool.
    private void Recycle(byte[] buffer)
    {
        if (buffer.Length == 0) return;
        if (_spare is null && buffer.Length <= BufferSize * 2) _spare = buffer;
        else ArrayPool<byte>.Shared.Return(buffer);
    }

    void IThreadPoolWorkItem.Execute()
    {
        while (WriteOnce()) { }
    }

    /// <summary>Sends what is pending with one socket call. True when more is pending and this
    /// caller should go on writing; false when the writer role was released (nothing pending) or
    /// passed on to the completion of a send the socket could not take at once.</summary>
    private bool WriteOnce()
    {
        byte[] buffer;
        int length;
        lock (_sendLock)
        {
            if (_pendingLength == 0 || IsClosed)
            {
                _writing = false;
                return false;
            }
            buffer = _pending;
            length = _pendingLength;
            _pending = _spare ?? [];
            _spare = null;
            _pendingLength = 0;
        }
        try
        {
            var sending = _socket!.SendAsync(buffer.AsMemory(0, length), SocketFlags.None);
            if (!sending.IsCompletedSuccessfully)
            {
                _ = FinishSendAsync(sending, buffer, length);
                return false;
            }
            var sent = sending.Result;
            if (sent != length)
            {
                _ = FinishSendAsync(new ValueTask<int>(sent), buffer, length);
                return false;
            }
        }
        catch (Exception)
        {
            Close();
            return false;
        }
        lock (_sendLock)
        {
            Recycle(buffer);
            if (_pendingLength > 0) return true;
            _writing = false;
            return false;
        }
    }

    private async Task FinishSendAsync(ValueTask<int> sending, byte[] buffer, int length)
    {
        try
        {
            var sent = await sending.ConfigureAwait(false);
            while (sent < length)
            {
                var more = await _socket!.SendAsync(buffer.AsMemory(sent, length - sent), SocketFlags.None).ConfigureAwait(false);
                if (more <= 0) throw new SocketException((int)SocketError.ConnectionReset);
                sent += more;
            }
        }
        catch (Exception)
        {
            Close();
            return;
        }
        lock (_sendLock) Recycle(buffer);
        while (WriteOnce()) { }
    }

    private async Task ReadLoopAsync(Socket socket, FrameHandler handler)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var start = 0;
        var end = 0;
        try
        {
            while (true)
            {
                if (buffer.Length - end < MinReadSize && start > 0)
                {
                    // Move the partial frame to the front to make room.
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }
                var read = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None).ConfigureAwait(false);
                if (read == 0) return;
                end += read;
                // The turns these frames start, and the sends they make, run on this thread afterwards.
                var batch = Scheduling.TurnBatch.Open();
                try
                {
                    while (end - start >= 4)
                    {
                        var length = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(start));
                        if (length <= 0 || length > _maxFrameSize) throw new InvalidDataException($"Frame of {length} bytes is outside 1..{_maxFrameSize}.");
                        if (end - start - 4 < length)
                        {
                            if (4 + length > buffer.Length - start) buffer = MakeRoom(buffer, ref start, ref end, 4 + length);
                            break;
                        }
                        handler(this, buffer.AsSpan(start + 4, length));
                        start += 4 + length;
                    }
                }
                finally
                {
                    batch?.Close();
                }
                if (start == end) start = end = 0;
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Closed here or reset by the peer.
        }
        catch (Exception exception)
        {
            // A bad frame or a failing handler: the connection is done, but the owner should learn why.
            Fault = exception;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Close();
            _completion.TrySetResult();
        }
    }

    /// <summary>Makes the buffer hold a frame of <paramref name="frameSize"/> bytes from its start.</summary>
    private static byte[] MakeRoom(byte[] buffer, ref int start, ref int end, int frameSize)
    {
        var target = frameSize <= buffer.Length ? buffer : ArrayPool<byte>.Shared.Rent(frameSize);
        buffer.AsSpan(start, end - start).CopyTo(target);
        end -= start;
        start = 0;
        if (!ReferenceEquals(target, buffer)) ArrayPool<byte>.Shared.Return(buffer);
        return target;
    }

    /// <summary>Closes the connection; queued frames are dropped.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1) return;
        _closed.Cancel();
        Socket? socket;
        lock (_sendLock)
        {
            socket = _socket;
            _pendingLength = 0;
        }
        try
        {
            socket?.Shutdown(SocketShutdown.Both);
        }
        catch (Exception)
        {
            // Already reset by the peer.
        }
        socket?.Dispose();
        if (socket is null) _completion.TrySetResult();
    }

    public override string ToString() => RemoteSilo?.ToString() ?? (RemoteClient != Guid.Empty ? $"client {RemoteClient:N}" : "unidentified peer");
}
