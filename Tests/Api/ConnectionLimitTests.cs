using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GrainStream.Tests.Api;

/// <summary><c>Api:MaxConcurrentConnections</c> is Kestrel's connection limit.</summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task Connections_beyond_Api_MaxConcurrentConnections_are_closed_unanswered()
    {
        await using var host = await ApiHost.StartAsync(new Dictionary<string, string?> { ["Api:MaxConcurrentConnections"] = "1" });
        using var first = await ConnectAsync(host.BaseAddress);
        Assert.StartsWith("HTTP/1.1 200", await RequestAsync(first));

        using var second = await ConnectAsync(host.BaseAddress);
        Assert.Equal("", await RequestAsync(second));
        // The first connection is still served.
        Assert.StartsWith("HTTP/1.1 200", await RequestAsync(first));
    }

    [Fact]
    public async Task The_default_connection_limit_is_50_000()
    {
        await using var host = await ApiHost.StartAsync();
        Assert.Equal(50_000, host.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.MaxConcurrentConnections);
    }

    private static async Task<Socket> ConnectAsync(Uri server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, server.Port);
        return socket;
    }

    /// <summary>Sends a keep-alive GET and returns what came back before the response's end or the
    /// connection's ("" when the server closed it without a word).</summary>
    private static async Task<string> RequestAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /health/live HTTP/1.1\r\nHost: test\r\n\r\n"), timeout.Token);
        }
        catch (SocketException)
        {
            return "";
        }
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, timeout.Token);
            }
            catch (SocketException)
            {
                read = 0;
            }
            if (read == 0) return received.ToString();
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            var text = received.ToString();
            var headersEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headersEnd < 0) continue;
            var complete = ContentLength(text[..headersEnd]) is { } length ? text.Length >= headersEnd + 4 + length : text.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
            if (complete) return text;
        }
    }

    private static int? ContentLength(string headers)
    {
        foreach (var line in headers.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) return int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        return null;
    }
}
