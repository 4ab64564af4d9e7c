using System.Net;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace GrainStream.Tests.Api;

/// <summary>An open event stream read with <see cref="SseParser"/> (the response is consumed from
/// its headers on: <see cref="HttpCompletionOption.ResponseHeadersRead"/>). A pump moves parsed
/// events into a channel so each wait has its own bound. Disposing closes the connection.</summary>
public sealed class SseClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(15);

    private readonly Channel<SseItem<string>> _events = Channel.CreateUnbounded<SseItem<string>>();
    private readonly CancellationTokenSource _closed = new();
    private readonly Stream _body;
    private readonly SseParser<string> _parser;
    private readonly Task _pump;

    private SseClient(HttpResponseMessage response, Stream body)
    {
        Response = response;
        _body = body;
        _parser = SseParser.Create(body);
        _pump = PumpAsync();
    }

    public HttpResponseMessage Response { get; }

    /// <summary>The last event id the parser saw (also from id-only blocks, as EventSource does).</summary>
    public string? LastEventId => _parser.LastEventId;

    /// <summary>The parser's reconnection interval (from <c>retry:</c>).</summary>
    public TimeSpan ReconnectionInterval => _parser.ReconnectionInterval;

    /// <summary>Completes when the server ends the stream.</summary>
    public Task Completion => _pump;

    /// <summary>Opens <paramref name="path"/>, asserting a 200 event stream.</summary>
    public static async Task<SseClient> OpenAsync(HttpClient client, string path, string? lastEventId = null)
    {
        var response = await SendAsync(client, path, lastEventId);
        var text = response.StatusCode == HttpStatusCode.OK ? "" : await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: expected 200 but got {(int)response.StatusCode}: {text}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseClient(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>Opens <paramref name="path"/> once it answers 200 (null while it answers otherwise, e.g. 409).</summary>
    public static async Task<SseClient?> TryOpenAsync(HttpClient client, string path, string? lastEventId = null)
    {
        var response = await SendAsync(client, path, lastEventId);
        if (response.StatusCode == HttpStatusCode.OK) return new SseClient(response, await response.Content.ReadAsStreamAsync());
        response.Dispose();
        return null;
    }

    /// <summary>Sends the request and returns the response once its headers are read (its body is not read yet).</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null) request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        using var timeout = new CancellationTokenSource(DefaultWait);
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var item in _parser.EnumerateAsync(_closed.Token)) _events.Writer.TryWrite(item);
            _events.Writer.TryComplete();
        }
        catch (Exception exception)
        {
            _events.Writer.TryComplete(_closed.IsCancellationRequested ? null : exception);
        }
    }

    /// <summary>The next event; fails with <paramref name="what"/> after <paramref name="wait"/>.</summary>
    public async Task<SseItem<string>> NextAsync(string what = "the next event", TimeSpan? wait = null)
    {
        using var timeout = new CancellationTokenSource(wait ?? DefaultWait);
        try
        {
            if (await _events.Reader.WaitToReadAsync(timeout.Token) && _events.Reader.TryRead(out var item)) return item;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out after {(wait ?? DefaultWait).TotalSeconds:0.#} s waiting for {what}.");
        }
        throw new InvalidOperationException($"The stream ended while waiting for {what}.");
    }

    /// <summary>The next event named <paramref name="eventType"/>, skipping others.</summary>
    public async Task<SseItem<string>> NextOfTypeAsync(string eventType, TimeSpan? wait = null)
    {
        var deadline = DateTime.UtcNow + (wait ?? DefaultWait);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"Timed out waiting for a '{eventType}' event.");
            var item = await NextAsync($"a '{eventType}' event", left);
            if (item.EventType == eventType) return item;
        }
    }

    /// <summary>The next event matching <paramref name="predicate"/>, skipping others.</summary>
    public async Task<SseItem<string>> NextMatchingAsync(Func<SseItem<string>, bool> predicate, string what, TimeSpan? wait = null)
    {
        var deadline = DateTime.UtcNow + (wait ?? DefaultWait);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"Timed out waiting for {what}.");
            var item = await NextAsync(what, left);
            if (predicate(item)) return item;
        }
    }

    /// <summary>The next <paramref name="count"/> events.</summary>
    public async Task<List<SseItem<string>>> TakeAsync(int count, string what, TimeSpan? wait = null)
    {
        var items = new List<SseItem<string>>(count);
        var deadline = DateTime.UtcNow + (wait ?? DefaultWait);
        while (items.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"Timed out with {items.Count} of {count} {what}.");
            items.Add(await NextAsync($"{what} ({items.Count + 1} of {count})", left));
        }
        return items;
    }

    /// <summary>Asserts the server ends the stream within <paramref name="wait"/> (events before that are returned).</summary>
    public async Task<List<SseItem<string>>> EndAsync(TimeSpan? wait = null)
    {
        var rest = new List<SseItem<string>>();
        using var timeout = new CancellationTokenSource(wait ?? DefaultWait);
        try
        {
            while (await _events.Reader.WaitToReadAsync(timeout.Token))
            {
                while (_events.Reader.TryRead(out var item)) rest.Add(item);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"The server did not end the stream within {(wait ?? DefaultWait).TotalSeconds:0.#} s.");
        }
        return rest;
    }

    /// <summary>No event arrives within <paramref name="wait"/> (used sparingly, to show absence).</summary>
    public async Task AssertQuietAsync(TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            if (await _events.Reader.WaitToReadAsync(timeout.Token) && _events.Reader.TryPeek(out var item))
            {
                Assert.Fail($"Expected no event but got '{item.EventType}': {item.Data}");
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closed.Cancel();
        await _body.DisposeAsync();
        Response.Dispose();
        try
        {
            await _pump.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
        }
    }
}

/// <summary>JSON access to SSE items.</summary>
public static class SseItemExtensions
{
    public static JsonNode Json(this SseItem<string> item) => JsonNode.Parse(item.Data) ?? throw new InvalidOperationException("null data");
}

/// <summary>Reads an event stream as raw text (to see comments, which parsers hide).</summary>
public static class RawSse
{
    /// <summary>Reads until <paramref name="until"/> holds for what was read, or fails after <paramref name="wait"/>.</summary>
    public static async Task<string> ReadUntilAsync(Stream body, Func<string, bool> until, string what, TimeSpan? wait = null)
    {
        using var timeout = new CancellationTokenSource(wait ?? SseClient.DefaultWait);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            while (!until(text.ToString()))
            {
                var read = await body.ReadAsync(buffer, timeout.Token);
                if (read == 0) throw new InvalidOperationException($"The stream ended before {what}: {text}");
                text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out waiting for {what}; read so far: {text}");
        }
        return text.ToString();
    }
}
