using System.Net;
using System.Net.Sockets;

namespace GrainStream.Tests.Api;

/// <summary>An <see cref="HttpClient"/> whose connections come from another loopback address
/// (127.0.0.2; Linux routes all of 127/8 to the loopback), so that the server sees a second client.</summary>
public static class OtherClientAddress
{
    public static readonly IPAddress Address = IPAddress.Parse("127.0.0.2");

    public static HttpClient For(Uri baseAddress) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(Address, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
}
