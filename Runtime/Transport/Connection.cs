using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using GrainStream.Runtime.Messaging;

namespace GrainStream.Runtime.Transport;

/// <summary>Handles one complete frame (without its length prefix) on the connection's read loop.</summary>
internal delegate void FrameHandler(Connection connection, ReadOnlySpan<byte> frame);

/// <summary>A TCP connection carrying length-prefixed frames over System.IO.Pipelines. Senders hand
/// over encoded frames; one writer loop copies everything queued into the pipe and flushes once per
/// batch, so many small messages share a syscall.</summary>
internal sealed class Connection
{
    private readonly Channel<PooledBufferWriter> _outgoing = Channel.CreateUnbounded<PooledBufferWriter>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _maxFrameSize;
    private Socket? _socket;
    private int _closing;

    public static long Flushes, FramesWritten, Reads; // TEMP

    private Connection(int maxFrameSize, bool outbound)
    {
        _maxFrameSize = maxFrameSize;
        IsOutbound = outbound;
    }

    public bool IsOutbound { get; }

    /// <summary>The peer silo, once known (outbound: the one dialled; inbound: from its hello).</summary>
    public SiloAddress? RemoteSilo { get; set; }

    /// <summary>The peer client, once its hello arrived.</summary>
    public Guid RemoteClient { get; set; }

    /// <summary>True once the peer's hello was accepted.</summary>
    public bool HelloReceived { get; set; }

    public bool IsClosed => _closed.IsCancellationRequested;

    /// <summary>Completes when the connection is closed, for whatever reason.</summary>
    public Task Completion => _completion.Task;

    public static Connection Accept(Socket socket, int maxFrameSize, FrameHandler handler)
    {
        var connection = new Connection(maxFrameSize, outbound: false);
        connection.Run(socket, handler);
        return connection;
    }

    /// <summary>Creates a connection that dials <paramref name="endPoint"/> in the background;
    /// frames sent meanwhile wait in order.</summary>
    public static Connection Dial(IPEndPoint endPoint, int maxFrameSize, FrameHandler handler, TimeSpan connectTimeout)
    {
        var connection = new Connection(maxFrameSize, outbound: true);
        _ = connection.DialAsync(endPoint, handler, connectTimeout);
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
        _socket = socket;
        if (_closed.IsCancellationRequested)
        {
            socket.Dispose();
            _completion.TrySetResult();
            return;
        }
        var stream = new NetworkStream(socket, ownsSocket: false);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
        var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024));
        _ = RunLoopsAsync(reader, writer, handler);
    }

    private async Task RunLoopsAsync(PipeReader reader, PipeWriter writer, FrameHandler handler)
    {
        var reading = Task.Run(() => ReadLoopAsync(reader, handler));
        var writing = WriteLoopAsync(writer);
        await Task.WhenAny(reading, writing).ConfigureAwait(false);
        Close();
        try
        {
            await Task.WhenAll(reading, writing).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The connection is gone; why does not matter to anyone waiting on it.
        }
        await reader.CompleteAsync().ConfigureAwait(false);
        await writer.CompleteAsync().ConfigureAwait(false);
        _socket?.Dispose();
        while (_outgoing.Reader.TryRead(out var frame)) frame.Release();
        _completion.TrySetResult();
    }

    public bool Send(PooledBufferWriter frame)
    {
        if (!_closed.IsCancellationRequested && _outgoing.Writer.TryWrite(frame)) return true;
        frame.Release();
        return false;
    }

    private async Task WriteLoopAsync(PipeWriter writer)
    {
        var outgoing = _outgoing.Reader;
        try
        {
            while (await outgoing.WaitToReadAsync(_closed.Token).ConfigureAwait(false))
            {
                while (outgoing.TryRead(out var frame))
                {
                    Interlocked.Increment(ref FramesWritten);
                    var bytes = frame.WrittenSpan;
                    bytes.CopyTo(writer.GetSpan(bytes.Length));
                    writer.Advance(bytes.Length);
                    frame.Release();
                    if (writer.UnflushedBytes > 256 * 1024) break;
                }
                Interlocked.Increment(ref Flushes);
                var result = await writer.FlushAsync(_closed.Token).ConfigureAwait(false);
                if (result.IsCompleted || result.IsCanceled) return;
            }
        }
        catch (Exception) when (_closed.IsCancellationRequested)
        {
        }
    }

    private async Task ReadLoopAsync(PipeReader reader, FrameHandler handler)
    {
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_closed.Token).ConfigureAwait(false);
                Interlocked.Increment(ref Reads);
                var buffer = result.Buffer;
                while (TryReadFrame(ref buffer, handler)) { }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled) return;
            }
        }
        catch (Exception) when (_closed.IsCancellationRequested)
        {
        }
    }

    private bool TryReadFrame(ref ReadOnlySequence<byte> buffer, FrameHandler handler)
    {
        if (buffer.Length < 4) return false;
        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (length <= 0 || length > _maxFrameSize) throw new InvalidDataException($"Frame of {length} bytes is outside 1..{_maxFrameSize}.");
        if (buffer.Length < 4 + length) return false;
        var frame = buffer.Slice(4, length);
        if (frame.IsSingleSegment)
        {
            handler(this, frame.FirstSpan);
        }
        else
        {
            var rented = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                frame.CopyTo(rented);
                handler(this, rented.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
        buffer = buffer.Slice(4 + length);
        return true;
    }

    /// <summary>Closes the connection; queued frames are dropped.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1) return;
        _closed.Cancel();
        _outgoing.Writer.TryComplete();
        try
        {
            _socket?.Shutdown(SocketShutdown.Both);
        }
        catch (Exception)
        {
            // Already reset by the peer.
        }
        _socket?.Dispose();
        if (_socket is null) _completion.TrySetResult();
    }

    public override string ToString() => RemoteSilo?.ToString() ?? (RemoteClient != Guid.Empty ? $"client {RemoteClient:N}" : "unidentified peer");
}
