using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using GrainStream.Api.Sse;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Api;

/// <summary>Loopback socket pairs and event streams written straight to them, for tests of the
/// direct socket path without Kestrel in front.</summary>
internal static class DirectSockets
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>A connected pair: the server side, non-blocking as <see cref="OrderedSocketOutput.TryTakeSocket"/>
    /// leaves a stream's socket, and the client side that reads it.</summary>
    /// <remarks>Small buffers are set before connecting: shrinking a receive buffer below the window
    /// it already advertised makes the kernel drop segments, and retransmissions back off for seconds.</remarks>
    public static async Task<(Socket Server, Socket Client)> ConnectAsync(bool smallBuffers = false)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (smallBuffers) listener.ReceiveBufferSize = 4096; // the accepted socket inherits it
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (smallBuffers) server.SendBufferSize = 4096;
        await server.ConnectAsync(listener.LocalEndPoint!);
        var client = await listener.AcceptAsync();
        server.Blocking = false;
        return (server, client);
    }

    /// <summary>A single-stream SSE connection whose body goes straight to <paramref name="server"/>,
    /// with <paramref name="options"/> and its time from <paramref name="time"/> (defaults: the defaults).</summary>
    public static SseConnection Stream(Socket server, SseOptions? options = null, TimeProvider? time = null, IHttpRequestLifetimeFeature? lifetime = null)
    {
        var context = new DefaultHttpContext();
        if (time is not null) context.RequestServices = new ServiceCollection().AddSingleton(time).BuildServiceProvider();
        if (lifetime is not null) context.Features.Set(lifetime);
        context.Request.Protocol = "HTTP/1.1";
        context.Response.Headers.TransferEncoding = "chunked";
        context.Features.Set<IConnectionTransportFeature>(new TransportFeature(new OrderedSocketOutput(Duplex(new Pipe()), server)));
        var connection = new SseConnection(context, options ?? new SseOptions(), latestWins: false);
        connection.WriteToSocketFromNowOn();
        return connection;
    }

    /// <summary>Exactly <paramref name="length"/> bytes from <paramref name="socket"/>, within a bound.</summary>
    public static async Task<byte[]> ReceiveAsync(Socket socket, int length)
    {
        var received = new MemoryStream();
        var buffer = new byte[65536];
        using var timeout = new CancellationTokenSource(Bound);
        while (received.Length < length)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Only {received.Length} of {length} bytes arrived within {Bound}.");
                throw;
            }
            Assert.True(read > 0, $"The connection closed after {received.Length} of {length} bytes.");
            received.Write(buffer, 0, read);
        }
        return received.ToArray();
    }

    /// <summary>Sends <paramref name="bytes"/> on the non-blocking <paramref name="socket"/> once it has room
    /// for them (within a bound): bytes handed to the kernel may still fill its send buffer while the
    /// peer reads, and a send then fails with "would block" instead of queueing behind them.</summary>
    public static int SendWhenWritable(Socket socket, ReadOnlySpan<byte> bytes)
    {
        Assert.True(socket.Poll(Bound, SelectMode.SelectWrite), $"The socket had no room to send within {Bound}.");
        return socket.Send(bytes);
    }

    /// <summary><paramref name="pipe"/> as a connection's pipe pair (its reader the input, its writer the output).</summary>
    public static IDuplexPipe Duplex(Pipe pipe) => new PipePair(pipe.Reader, pipe.Writer);

    private sealed record PipePair(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    private sealed class TransportFeature(IDuplexPipe transport) : IConnectionTransportFeature
    {
        public IDuplexPipe Transport { get; set; } = transport;
    }
}
