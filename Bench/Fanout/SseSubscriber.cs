using System.Diagnostics;
using System.Text;

namespace GrainStream.Bench.Fanout;

/// <summary>One EventSource-like client (HTTP/1.1, chunked or close-delimited body), without its
/// socket: a <see cref="SubscriberLoop"/> does the I/O and hands it what arrives. It records every
/// benchmark message once (later copies count as duplicates) with its post-to-receipt latency, and
/// after the server ends or cuts the stream it asks again with <c>Last-Event-ID</c>, as a browser does.</summary>
internal sealed class SseSubscriber
{
    private readonly FanoutTarget _target;
    private readonly string _topic;
    private readonly LatencyHistogram _latency;
    private readonly ulong[] _seen;
    private readonly SseEventParser _parser;
    private readonly TaskCompletionSource _firstConnect = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _lateTicks;
    private readonly SlowDeliveryTimeline? _slow;
    private ChunkedBody? _body;

    public SseSubscriber(FanoutTarget target, string[] topics, int topicIndex, int messagesInTopic, LatencyHistogram latency, long lateTicks = long.MaxValue, SlowDeliveryTimeline? slow = null)
    {
        _lateTicks = lateTicks;
        _slow = slow;
        _target = target;
        _topic = topics[topicIndex];
        TopicIndex = topicIndex;
        _latency = latency;
        _seen = new ulong[(messagesInTopic + 63) / 64];
        _parser = new SseEventParser(this);
    }

    /// <summary>The index of the subscriber's topic.</summary>
    public int TopicIndex { get; }

    /// <summary>Completes when the first response's headers arrived (the subscription is live).</summary>
    public Task Connected => _firstConnect.Task;

    public long Unique { get; private set; }
    public long Duplicates { get; private set; }
    public long Disconnects { get; private set; }
    public long Resumes { get; private set; }
    public long Resets { get; private set; }
    public long Failures { get; private set; }
    public long MaxLatencyTicks { get; private set; }

    /// <summary>The reconnection time the server last asked for (<c>retry:</c>), or null.</summary>
    public int? RetryMilliseconds => _parser.RetryMilliseconds;

    /// <summary>The target this subscriber connects to.</summary>
    public FanoutTarget Target => _target;

    /// <summary>When the last message that arrived later than the late threshold arrived (0: none did).</summary>
    public long LastLateReceiptTimestamp { get; private set; }

    /// <summary>The request that opens (or resumes) the stream.</summary>
    public byte[] Request()
    {
        var request = new StringBuilder()
            .Append("GET ").Append(_target.SubscribePath(_topic)).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(_target.BaseUrl.Authority).Append("\r\n")
            .Append("Accept: text/event-stream\r\nCache-Control: no-cache\r\n");
        if (_parser.LastEventId is { } lastId) request.Append("Last-Event-ID: ").Append(lastId).Append("\r\n");
        return Encoding.ASCII.GetBytes(request.Append("\r\n").ToString());
    }

    /// <summary>The response's head (without the blank line) arrived; throws unless it opens a stream.</summary>
    public void Opened(ReadOnlySpan<byte> head)
    {
        var text = Encoding.ASCII.GetString(head);
        if (!text.StartsWith("HTTP/1.1 200", StringComparison.Ordinal)) throw new InvalidDataException($"Unexpected response: {text.Split('\r')[0]}");
        _body = text.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase) ? new ChunkedBody() : null;
        if (_parser.LastEventId is not null) Resumes++;
        _firstConnect.TrySetResult();
    }

    /// <summary>Body bytes; false when the body ended. Throws <see cref="InvalidDataException"/> on bad framing.</summary>
    public bool Consume(ReadOnlySpan<byte> bytes)
    {
        if (_body is null)
        {
            _parser.Feed(bytes);
            return true;
        }
        if (!_body.Feed(bytes, _parser)) throw new InvalidDataException("Bad chunked framing.");
        return !_body.Ended;
    }

    /// <summary>The stream ended or never opened (<paramref name="failed"/> when by an error); the next attempt resumes.</summary>
    public void Disconnected(bool failed)
    {
        if (failed) Failures++;
        Disconnects++;
        _parser.Restart();
    }

    /// <summary>How many of <paramref name="sequences"/> never arrived.</summary>
    public long Missing(IEnumerable<int> sequences) => sequences.LongCount(s => !Seen(s));

    private bool Seen(int sequence) => (uint)sequence < (uint)(_seen.Length * 64) && (_seen[sequence >> 6] & (1UL << (sequence & 63))) != 0;

    /// <summary>Called by the parser for each benchmark message.</summary>
    internal void Received(int sequence, long timestamp)
    {
        var now = Stopwatch.GetTimestamp();
        var elapsed = now - timestamp;
        if ((uint)sequence >= (uint)(_seen.Length * 64)) return;
        if (Seen(sequence))
        {
            Duplicates++;
            return;
        }
        _seen[sequence >> 6] |= 1UL << (sequence & 63);
        Unique++;
        if (elapsed > MaxLatencyTicks) MaxLatencyTicks = elapsed;
        if (elapsed > _lateTicks) LastLateReceiptTimestamp = now;
        _latency.RecordTicks(elapsed);
        _slow?.Record(timestamp, elapsed);
    }

    internal void WasReset() => Resets++;
}
