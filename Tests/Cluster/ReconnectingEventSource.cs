using System.Net.ServerSentEvents;

namespace GrainStream.Tests.Cluster;

/// <summary>A browser's EventSource, as the failover tests need it: it follows one path, hands every
/// event to a handler, and when the stream ends or cannot be opened asks again with
/// <c>Last-Event-ID</c> after a short retry — to the next of its nodes, as a load balancer would
/// send it when its node is gone.</summary>
public sealed class ReconnectingEventSource : IAsyncDisposable
{
    /// <summary>EventSource's retry interval, shortened.</summary>
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(200);

    private readonly Uri[] _nodes;
    private readonly string _path;
    private readonly Func<SseItem<string>, CancellationToken, ValueTask> _onEvent;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly Task _run;
    private int _node;
    private int _reconnects;
    private int _failedOpens;

    /// <summary>Follows <paramref name="path"/> on <paramref name="nodes"/>, starting with node <paramref name="firstNode"/>.</summary>
    public ReconnectingEventSource(IReadOnlyList<Uri> nodes, int firstNode, string path, Func<SseItem<string>, CancellationToken, ValueTask> onEvent)
    {
        _nodes = [.. nodes];
        _node = firstNode % _nodes.Length;
        _path = path;
        _onEvent = onEvent;
        _run = RunAsync();
    }

    /// <summary>How many times the stream was opened again after the first.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>How many times opening the stream failed (refused, or an error status): for failure messages.</summary>
    public int FailedOpens => Volatile.Read(ref _failedOpens);

    /// <summary>The last id seen, as EventSource keeps it.</summary>
    public string? LastEventId { get; private set; }

    /// <summary>Completes once the first stream is open (subscribed: what is published from now on arrives).</summary>
    public Task Connected => _connected.Task;

    private async Task RunAsync()
    {
        var token = _stop.Token;
        var first = true;
        while (!token.IsCancellationRequested)
        {
            var opened = false;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_nodes[_node], _path));
                request.Headers.Accept.ParseAdd("text/event-stream");
                if (LastEventId is not null) request.Headers.TryAddWithoutValidation("Last-Event-ID", LastEventId);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
                response.EnsureSuccessStatusCode();
                opened = true;
                if (!first) Interlocked.Increment(ref _reconnects);
                first = false;
                _connected.TrySetResult();
                await using var body = await response.Content.ReadAsStreamAsync(token);
                var parser = SseParser.Create(body);
                await foreach (var item in parser.EnumerateAsync(token))
                {
                    if (!string.IsNullOrEmpty(parser.LastEventId)) LastEventId = parser.LastEventId;
                    await _onEvent(item, token);
                }
            }
            catch (Exception) when (!token.IsCancellationRequested)
            {
                if (!opened) Interlocked.Increment(ref _failedOpens);
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
                await Task.Delay(Retry, token);
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
