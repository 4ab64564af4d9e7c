using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using GrainStream.Api.Sse;

namespace GrainStream.Tests.Api;

/// <summary>The hand-over from Kestrel's writer to direct socket sends keeps the bytes on the wire in
/// order: once an event stream took its connection's socket, a flush completes only when the kernel
/// has every byte, so no direct send can overtake what Kestrel wrote.</summary>
public sealed class OrderedSocketOutputTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Until_a_stream_takes_the_socket_writes_pass_through_to_the_transport_which_then_keeps_it()
    {
        var (server, client) = await DirectSockets.ConnectAsync();
        using var serverSide = server;
        using var clientSide = client;
        var transport = new Pipe();
        var output = new OrderedSocketOutput(DirectSockets.Duplex(transport), server);

        output.Write("HTTP/1.1 204 No Content\r\n\r\n"u8);
        await output.FlushAsync();
        var read = await transport.Reader.ReadAsync();

        Assert.Equal("HTTP/1.1 204 No Content\r\n\r\n", Encoding.ASCII.GetString(read.Buffer));
        // The transport's pipe carried bytes: it may still hold some, so the socket stays with it.
        Assert.False(output.TryTakeSocket());
        Assert.False(output.IsTaken);
    }

    [Fact]
    public async Task Memory_handed_out_by_the_transport_and_not_yet_advanced_keeps_the_socket_with_it()
    {
        var (server, client) = await DirectSockets.ConnectAsync();
        using var serverSide = server;
        using var clientSide = client;
        var output = new OrderedSocketOutput(DirectSockets.Duplex(new Pipe()), server);

        output.GetSpan(16);

        Assert.False(output.TryTakeSocket());
    }

    [Fact]
    public async Task A_flush_after_the_socket_was_taken_completes_only_once_the_kernel_has_every_byte()
    {
        var (server, client) = await DirectSockets.ConnectAsync(smallBuffers: true);
        using var serverSide = server;
        using var clientSide = client;
        var output = new OrderedSocketOutput(DirectSockets.Duplex(new Pipe()), server);
        Assert.True(output.TryTakeSocket());
        var payload = Enumerable.Range(0, 1 << 20).Select(i => (byte)('a' + i % 26)).ToArray();

        output.Write(payload);
        var flush = output.FlushAsync().AsTask();

        // The client has not read: far more than the socket buffers hold is still to go.
        Assert.False(flush.IsCompleted);
        Assert.Equal(1, output.FlushesThatWaited);
        var receiving = DirectSockets.ReceiveAsync(client, payload.Length + 3);
        await flush.WaitAsync(Bound);
        // A direct send now goes after every byte of the flush.
        Assert.Equal(3, DirectSockets.SendWhenWritable(server, "end"u8));
        var received = await receiving;

        Assert.Equal(payload, received[..payload.Length]);
        Assert.Equal("end", Encoding.ASCII.GetString(received[payload.Length..]));
    }

    [Fact]
    public async Task Completing_after_the_socket_was_taken_completes_the_transport()
    {
        var (server, client) = await DirectSockets.ConnectAsync();
        using var serverSide = server;
        using var clientSide = client;
        var transport = new Pipe();
        var output = new OrderedSocketOutput(DirectSockets.Duplex(transport), server);
        Assert.True(output.TryTakeSocket());

        output.Write("0\r\n\r\n"u8);
        await output.FlushAsync();
        output.Complete();

        var read = await transport.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        Assert.True(read.IsCompleted);
        Assert.True(read.Buffer.IsEmpty);
        Assert.Equal("0\r\n\r\n", Encoding.ASCII.GetString(await DirectSockets.ReceiveAsync(client, 5)));
    }

    [Fact]
    public async Task A_history_bigger_than_the_socket_buffers_then_live_events_reach_a_slow_client_whole_once_and_in_order()
    {
        await using var host = await ApiHost.StartAsync();
        var room = "wire-" + Guid.NewGuid().ToString("N")[..8];
        var text = new string('h', 3000);
        const int history = 700, live = 100; // about 2 MB of history: two pages, far beyond the socket buffers
        for (var i = 0; i < history; i++) await PostAsync(host, room, $"{i:D4}{text}");

        // A client with a small receive window that does not read yet: the history cannot all go,
        // so the hand-over to direct sends happens while Kestrel still has bytes to send.
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await client.ConnectAsync(IPAddress.Loopback, host.BaseAddress.Port);
        await client.SendAsync(Encoding.ASCII.GetBytes($"GET /api/chat/rooms/{room}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nLast-Event-ID: 0-0\r\n\r\n"), SocketFlags.None);
        for (var i = history; i < history + live; i++) await PostAsync(host, room, $"{i:D4}{text}");

        var reader = new ChunkedEventStreamReader(client);
        var events = await reader.ReadUntilAsync(e => e.Count(IsMessage) >= history + live, Bound);

        var texts = events.Where(IsMessage).Select(e => JsonDocument.Parse(e["data"]).RootElement.GetProperty("text").GetString()![..4]).ToList();
        Assert.Equal(Enumerable.Range(0, history + live).Select(i => $"{i:D4}"), texts);
    }

    private static bool IsMessage(Dictionary<string, string> e) => e.GetValueOrDefault("event") == "message";

    private static async Task PostAsync(ApiHost host, string room, string text)
    {
        using var response = await host.Client.PostAsJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "wire", text });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
