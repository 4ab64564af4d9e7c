using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using static GrainStream.Bench.Fanout.LinuxSockets;

namespace GrainStream.Bench.Fanout;

/// <summary>One thread and one epoll instance driving a share of the subscribers, as wrk drives its
/// connections: non-blocking connects (a bounded number at a time), the request, the response head,
/// then one read per readiness, parsed in place; a stream that ends is opened again after the
/// reconnect delay (or, as EventSource does, after the server's last <c>retry:</c> when asked to
/// honour it). A subscriber and its socket are only ever touched by its loop's thread.</summary>
internal sealed class SubscriberLoop : IDisposable
{
    private const int MaxEvents = 256;
    private const int MaxHeadBytes = 16 * 1024;
    private const int IdleWaitMilliseconds = 10;

    private enum Phase { Waiting, Connecting, AwaitingHead, Streaming }

    private sealed class Link(SseSubscriber subscriber, int index)
    {
        public SseSubscriber Subscriber { get; } = subscriber;
        public ulong Index { get; } = (ulong)index; // the epoll event's data
        public int Fd = -1;
        public Phase Phase;
        public byte[]? Head;
        public int HeadLength;
    }

    private readonly IPEndPoint _endpoint;
    private readonly long _reconnectTicks;
    private readonly bool _honourRetry;
    private readonly ConnectTimeline _timeline;
    private readonly int _maxConnecting;
    private readonly int _epoll;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<SseSubscriber> _added = new();
    private readonly List<Link> _links = [];
    private readonly Queue<Link> _toConnect = new();
    private readonly PriorityQueue<Link, long> _toRetry = new(); // by due time
    private readonly byte[] _buffer = new byte[64 * 1024];
    private volatile bool _stopping;
    private int _connecting;

    public SubscriberLoop(int index, IPEndPoint endpoint, TimeSpan reconnectDelay, int maxConnecting, bool honourRetry, ConnectTimeline timeline)
    {
        EnsureSupported();
        _endpoint = endpoint;
        _reconnectTicks = (long)(reconnectDelay.TotalSeconds * Stopwatch.Frequency);
        _honourRetry = honourRetry;
        _timeline = timeline;
        _maxConnecting = Math.Max(1, maxConnecting);
        _epoll = CreateEpoll();
        _thread = new Thread(Run) { IsBackground = true, Name = $"subscribers-{index}" };
        _thread.Start();
    }

    /// <summary>Hands a subscriber to the loop, which connects it as soon as it may.</summary>
    public void Add(SseSubscriber subscriber) => _added.Enqueue(subscriber);

    private void Run()
    {
        var events = new EpollEvent[MaxEvents];
        while (!_stopping)
        {
            while (_added.TryDequeue(out var subscriber))
            {
                var link = new Link(subscriber, _links.Count);
                _links.Add(link);
                _toConnect.Enqueue(link);
            }
            var now = Stopwatch.GetTimestamp();
            while (_toRetry.TryPeek(out _, out var at) && at <= now) _toConnect.Enqueue(_toRetry.Dequeue());
            while (_connecting < _maxConnecting && _toConnect.TryDequeue(out var next)) Connect(next);

            var ready = Wait(_epoll, events, IdleWaitMilliseconds);
            for (var i = 0; i < ready; i++)
            {
                var link = _links[(int)events[i].Data];
                if (link.Fd >= 0) OnReady(link, events[i].Events);
            }
        }
        foreach (var link in _links) CloseSocket(link);
        Close(_epoll);
    }

    private void Connect(Link link)
    {
        _timeline.Attempted();
        try
        {
            link.Fd = StartConnect(_endpoint, out var inProgress);
            link.Phase = Phase.Connecting;
            _connecting++;
            Watch(_epoll, link.Fd, EPOLLOUT | EPOLLIN | EPOLLRDHUP, link.Index);
            if (!inProgress) SendRequest(link);
        }
        catch (IOException)
        {
            Ended(link, failed: true);
        }
    }

    private void OnReady(Link link, uint events)
    {
        try
        {
            switch (link.Phase)
            {
                case Phase.Connecting:
                    if (PendingError(link.Fd) != 0) throw new IOException("connect failed");
                    SendRequest(link);
                    break;
                case Phase.AwaitingHead:
                    ReadHead(link);
                    break;
                case Phase.Streaming:
                    ReadBody(link);
                    break;
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            Ended(link, failed: true);
        }
    }

    private void SendRequest(Link link)
    {
        var request = link.Subscriber.Request();
        // A fresh connection's send buffer always takes a request of a few hundred bytes.
        if (Send(link.Fd, request) != request.Length) throw new IOException("the request did not fit the send buffer");
        link.Phase = Phase.AwaitingHead;
        link.Head = new byte[MaxHeadBytes];
        link.HeadLength = 0;
        Rewatch(_epoll, link.Fd, EPOLLIN | EPOLLRDHUP, link.Index);
    }

    private void ReadHead(Link link)
    {
        var head = link.Head!;
        var read = Receive(link.Fd, head.AsSpan(link.HeadLength));
        if (read == -EAGAIN) return;
        if (read <= 0) throw new IOException("the server closed the connection before the response head");
        link.HeadLength += read;
        var end = head.AsSpan(0, link.HeadLength).IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            if (link.HeadLength == head.Length) throw new InvalidDataException("Response head too long.");
            return;
        }
        link.Subscriber.Opened(head.AsSpan(0, end));
        link.Phase = Phase.Streaming;
        link.Head = null;
        _connecting--;
        if (!link.Subscriber.Consume(head.AsSpan(end + 4, link.HeadLength - end - 4))) Ended(link, failed: false);
    }

    private void ReadBody(Link link)
    {
        var read = Receive(link.Fd, _buffer);
        if (read == -EAGAIN) return;
        if (read < 0) throw new IOException($"recv failed: errno {-read}");
        if (read == 0 || !link.Subscriber.Consume(_buffer.AsSpan(0, read))) Ended(link, failed: false);
    }

    private void Ended(Link link, bool failed)
    {
        if (link.Phase is Phase.Connecting or Phase.AwaitingHead)
        {
            _connecting--;
            if (failed) _timeline.Failed();
        }
        CloseSocket(link);
        link.Phase = Phase.Waiting;
        link.Head = null;
        if (_stopping) return;
        link.Subscriber.Disconnected(failed);
        var delay = _honourRetry && link.Subscriber.RetryMilliseconds is { } retry ? retry * Stopwatch.Frequency / 1000 : _reconnectTicks;
        _toRetry.Enqueue(link, Stopwatch.GetTimestamp() + delay);
    }

    private static void CloseSocket(Link link)
    {
        if (link.Fd < 0) return;
        Close(link.Fd); // also takes it out of the epoll set
        link.Fd = -1;
    }

    /// <summary>Stops the loop and closes its connections.</summary>
    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
    }
}
