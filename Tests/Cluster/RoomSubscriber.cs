using System.Net.ServerSentEvents;
using System.Text.Json;

namespace GrainStream.Tests.Cluster;

/// <summary>A browser's EventSource on one chat room, reduced to what the failover tests check: it
/// records every <c>message</c> event (id, text) and, when its stream ends or cannot be opened,
/// reconnects with <c>Last-Event-ID</c> — to the next API node, as a load balancer would send it
/// when its node is gone.</summary>
public sealed class RoomSubscriber : IAsyncDisposable
{
    private readonly Uri[] _nodes;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(long Id, string Text)> _received = [];
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly Task _run;
    private int _node;

    public RoomSubscriber(string room, IReadOnlyList<Uri> nodes, int firstNode)
    {
        Room = room;
        _nodes = [.. nodes];
        _node = firstNode % _nodes.Length;
        _run = RunAsync();
    }

    public string Room { get; }

    /// <summary>How many times the stream was opened again after the first.</summary>
    public int Reconnects { get; private set; }

    /// <summary>The last id seen, as EventSource keeps it.</summary>
    public string? LastEventId { get; private set; }

    /// <summary>Completes once the first stream is open (subscribed: what is posted from now on arrives).</summary>
    public Task Connected => _connected.Task;

    /// <summary>The messages received so far, in arrival order.</summary>
    public List<(long Id, string Text)> Received()
    {
        lock (_received) return [.. _received];
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        var first = true;
        while (!token.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_nodes[_node], $"/api/chat/rooms/{Room}/events"));
                request.Headers.Accept.ParseAdd("text/event-stream");
                if (LastEventId is not null) request.Headers.TryAddWithoutValidation("Last-Event-ID", LastEventId);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
                response.EnsureSuccessStatusCode();
                if (!first) Reconnects++;
                first = false;
                _connected.TrySetResult();
                await using var body = await response.Content.ReadAsStreamAsync(token);
                var parser = SseParser.Create(body);
                await foreach (var item in parser.EnumerateAsync(token))
                {
                    if (!string.IsNullOrEmpty(parser.LastEventId)) LastEventId = parser.LastEventId;
                    if (item.EventType != "message") continue;
                    using var message = JsonDocument.Parse(item.Data);
                    var entry = (message.RootElement.GetProperty("id").GetInt64(), message.RootElement.GetProperty("text").GetString()!);
                    lock (_received) _received.Add(entry);
                }
            }
            catch (Exception) when (!token.IsCancellationRequested)
            {
                // The node went away or refused: the next attempt goes to the next node.
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (token.IsCancellationRequested) return;
            _node = (_node + 1) % _nodes.Length;
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), token); // EventSource's retry interval, shortened.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
        }
        _http.Dispose();
        _stop.Dispose();
    }
}
