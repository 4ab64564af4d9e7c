using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GrainStream.Bench.Fanout;

/// <summary>One EventSource-like client over a raw socket (HTTP/1.1, chunked body): it records every
/// benchmark message once (later copies count as duplicates) with its post-to-receipt latency, and
/// when the server ends or cuts the stream it reconnects with <c>Last-Event-ID</c>, as a browser does.</summary>
internal sealed class SseSubscriber
{
    private const int ReceiveBufferSize = 16 * 1024;

    private readonly FanoutTarget _target;
    private readonly IPEndPoint _endpoint;
    private readonly string _topic;
    private readonly int _topicIndex;
    private readonly LatencyHistogram _latency;
    private readonly TimeSpan _reconnectDelay;
    private readonly ulong[] _seen;
    private readonly SseEventParser _parser;
    private readonly TaskCompletionSource _firstConnect = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SseSubscriber(FanoutTarget target, IPEndPoint endpoint, string[] topics, int topicIndex, int messagesInTopic, LatencyHistogram latency, TimeSpan reconnectDelay)
    {
        _target = target;
        _endpoint = endpoint;
        _topic = topics[topicIndex];
        _topicIndex = topicIndex;
        _latency = latency;
        _reconnectDelay = reconnectDelay;
        _seen = new ulong[(messagesInTopic + 63) / 64];
        _parser = new SseEventParser(this);
    }

    /// <summary>The index of the subscriber's topic.</summary>
    public int TopicIndex => _topicIndex;

    /// <summary>Completes when the first response's headers arrived (the subscription is live).</summary>
    public Task Connected => _firstConnect.Task;

    public long Unique { get; private set; }
    public long Duplicates { get; private set; }
    public long Disconnects { get; private set; }
    public long Resumes { get; private set; }
    public long Resets { get; private set; }
    public long Failures { get; private set; }
    public long MaxLatencyTicks { get; private set; }

    /// <summary>Follows the stream until <paramref name="stop"/>, reconnecting whenever it ends.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await FollowAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is SocketException or IOException or InvalidDataException)
            {
                Failures++;
            }
            if (stop.IsCancellationRequested) return;
            Disconnects++;
            _parser.Restart();
            try
            {
                await Task.Delay(_reconnectDelay, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task FollowAsync(CancellationToken stop)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(_endpoint, stop).ConfigureAwait(false);
        var lastId = _parser.LastEventId;
        var request = new StringBuilder()
            .Append("GET ").Append(_target.SubscribePath(_topic)).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(_target.BaseUrl.Authority).Append("\r\n")
            .Append("Accept: text/event-stream\r\nCache-Control: no-cache\r\n");
        if (lastId is not null) request.Append("Last-Event-ID: ").Append(lastId).Append("\r\n");
        await socket.SendAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()), SocketFlags.None, stop).ConfigureAwait(false);

        var buffer = new byte[ReceiveBufferSize];
        var filled = 0;
        int bodyStart;
        bool chunked;
        while (true)
        {
            if (filled == buffer.Length) throw new InvalidDataException("Response headers too long.");
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, stop).ConfigureAwait(false);
            if (read == 0) return;
            filled += read;
            var end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
            if (end < 0) continue;
            var head = Encoding.ASCII.GetString(buffer, 0, end);
            if (!head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal)) throw new InvalidDataException($"Unexpected response: {head.Split('\r')[0]}");
            chunked = head.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase);
            bodyStart = end + 4;
            break;
        }
        if (lastId is not null) Resumes++;
        _firstConnect.TrySetResult();

        var body = chunked ? new ChunkedBody() : null;
        var pending = buffer.AsSpan(bodyStart, filled - bodyStart);
        if (!Consume(pending, body)) return;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, stop).ConfigureAwait(false);
            if (read == 0 || !Consume(buffer.AsSpan(0, read), body)) return;
        }
    }

    // False when the body ended.
    private bool Consume(ReadOnlySpan<byte> bytes, ChunkedBody? body)
    {
        if (body is null)
        {
            _parser.Feed(bytes);
            return true;
        }
        if (!body.Feed(bytes, _parser)) throw new InvalidDataException("Bad chunked framing.");
        return !body.Ended;
    }

    /// <summary>How many of <paramref name="sequences"/> never arrived.</summary>
    public long Missing(IEnumerable<int> sequences) => sequences.LongCount(s => !Seen(s));

    private bool Seen(int sequence) => (uint)sequence < (uint)(_seen.Length * 64) && (_seen[sequence >> 6] & (1UL << (sequence & 63))) != 0;

    /// <summary>Called by the parser for each benchmark message.</summary>
    internal void Received(int sequence, long timestamp)
    {
        var elapsed = Stopwatch.GetTimestamp() - timestamp;
        if ((uint)sequence >= (uint)(_seen.Length * 64)) return;
        if (Seen(sequence))
        {
            Duplicates++;
            return;
        }
        _seen[sequence >> 6] |= 1UL << (sequence & 63);
        Unique++;
        if (elapsed > MaxLatencyTicks) MaxLatencyTicks = elapsed;
        _latency.RecordTicks(elapsed);
    }

    internal void WasReset() => Resets++;
}
