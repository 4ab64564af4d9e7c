using GrainStream.Api.Diagnostics;
using GrainStream.Streams;
using Orleans.Runtime;
using Orleans.Streams;

namespace GrainStream.Api.Sse;

/// <summary>One stream on this API node: a single upstream subscription, however many connections
/// watch the stream, fanned out locally. Each event is encoded once (<see cref="SseFrame"/>), kept in
/// a small ring of recent frames, and offered to every connection's queue.</summary>
/// <remarks>
/// <para>Hand-over without loss or duplicate: the relay knows the exact position of its upstream
/// subscription from the start (it subscribes <em>after</em> the stream's last token, so the runtime
/// replays anything published in between), and every delivery appends to the ring and snapshots the
/// subscriber list under one lock. A joining connection copies the ring frames after its position
/// and attaches under that same lock, so each event reaches it exactly once: either from the ring
/// copy or from the fan-out. Fan-out itself runs outside the lock (on a snapshot, see <see cref="RelaySubscriberList"/>), so a
/// delivery to thousands of connections never holds up a join, and a join never holds up delivery.</para>
/// <para>Positions older than the ring are replayed from the stream's history (outside the lock,
/// written straight to the response with the network's back-pressure) until the ring takes over. A
/// position from another epoch, older than the retained history, or beyond the stream's end gets a
/// <c>reset</c> event and continues live.</para>
/// </remarks>
internal sealed class StreamRelay : IAsyncObserver<StreamEvent>, IStreamHistoryObserver, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly IEventStream _raw;
    private readonly IAsyncStream<StreamEvent> _stream;
    private readonly SseOptions _options;
    private readonly ILogger _logger;
    private readonly GrainStreamMetrics _metrics;
    private readonly SequenceRing<SseFrame> _ring;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Used only by upstream deliveries, which the runtime makes one at a time.
    private readonly SseWakeBatch _wakes;
    private readonly RelaySubscriberList _subscribers = new();
    private EventPosition _last;
    private StreamSubscriptionHandle<StreamEvent>? _handle;
    private bool _disposed;

    public StreamRelay(IStreamProvider provider, StreamId streamId, SseOptions options, GrainStreamMetrics metrics, ILogger logger)
    {
        _metrics = metrics;
        _raw = provider.GetEventStream(streamId);
        _stream = provider.GetStream<StreamEvent>(streamId);
        _options = options;
        _wakes = new SseWakeBatch(options.BatchedSocketSends);
        _logger = logger;
        _ring = new SequenceRing<SseFrame>(options.RelayBufferSize);
        StreamId = streamId;
        Topic = StreamKinds.Topic(streamId);
        LatestWins = StreamKinds.IsLatestWins(streamId);
    }

    public StreamId StreamId { get; }

    /// <summary>The stream's topic; every frame of this relay refers to this one string.</summary>
    public string Topic { get; }

    public bool LatestWins { get; }

    /// <summary>Completes once the upstream subscription is live (faults when it could not be made).</summary>
    public Task Ready => _ready.Task;

    /// <summary>Connections currently attached.</summary>
    public int SubscriberCount
    {
        get { lock (_gate) return _subscribers.Count; }
    }

    // Owned by StreamRelayHub, under its lock.
    internal int References;
    internal ITimer? Linger;

    /// <summary>Subscribes upstream after the stream's current last token: the runtime replays
    /// anything published between the two calls, so the relay's position is exact from here on.</summary>
    public async Task StartAsync()
    {
        try
        {
            var last = await _raw.GetLastPositionAsync().ConfigureAwait(false);
            lock (_gate) _last = last;
            var handle = await _stream.SubscribeAsync(this, new EventPositionToken(last)).ConfigureAwait(false);
            bool disposed;
            lock (_gate)
            {
                disposed = _disposed;
                _handle = handle;
            }
            if (disposed) await UnsubscribeAsync(handle).ConfigureAwait(false);
            _ready.TrySetResult();
        }
        catch (Exception exception)
        {
            _logger.LogWarning(exception, "Subscribing to stream {StreamId} failed", StreamId);
            _ready.TrySetException(exception);
        }
    }

    /// <summary>An upstream event: encoded once, kept in the ring, offered to every connection.</summary>
    public Task OnNextAsync(StreamEvent streamEvent, StreamSequenceToken? token = null)
    {
        var frame = SseFrame.ForEvent(streamEvent, Topic, StreamKinds.EndsStream(streamEvent));
        var position = streamEvent.Position;
        RelaySubscriberList.Snapshot targets;
        lock (_gate)
        {
            if (position.Epoch == _last.Epoch && position.Sequence <= _last.Sequence) return Task.CompletedTask; // already relayed
            if (position.Epoch != _last.Epoch)
            {
                // The provider announces a new epoch before its events; be safe if it did not.
                _logger.LogWarning("Stream {StreamId} moved from epoch {Old} to {New} unannounced", StreamId, _last.Epoch, position.Epoch);
                ResetAll(new EventPosition(position.Epoch, position.Sequence - 1), "epochChanged", frame);
                targets = default;
            }
            else
            {
                _ring.Add(position.Sequence, frame);
                _last = position;
                targets = _subscribers.TakeSnapshot();
            }
        }
        _metrics.Received(streamEvent.Timestamp);
        var delivered = 0;
        foreach (var subscriber in targets.Slots)
        {
            if (subscriber is null || position.Sequence <= subscriber.SkipThrough) continue;
            _wakes.Offer(subscriber.Connection, frame);
            delivered++;
        }
        _wakes.Dispatch();
        _metrics.Delivered(delivered);
        return Task.CompletedTask;
    }

    /// <summary>Not raised by GrainStream's provider (a truncation comes typed, see below); logged.</summary>
    public Task OnErrorAsync(Exception ex)
    {
        _logger.LogWarning(ex, "Stream {StreamId} reported an error", StreamId);
        return Task.CompletedTask;
    }

    /// <summary>The upstream subscription could not continue where it was (a new epoch, or history
    /// trimmed while it was re-subscribing): every connection gets a <c>reset</c>.</summary>
    public Task OnHistoryTruncatedAsync(StreamHistoryTruncated truncated)
    {
        var position = new EventPosition(truncated.FirstAvailable.Epoch, Math.Max(0, truncated.FirstAvailable.Sequence - 1));
        lock (_gate) ResetAll(position, ReasonName(truncated.Reason), null);
        _wakes.Dispatch();
        return Task.CompletedTask;
    }

    // Called under _gate: queues the reset (and the event that revealed it) for every connection
    // under the lock, which keeps the order trivially right (resets are rare); the caller wakes
    // the connections once the lock is released.
    private void ResetAll(EventPosition position, string reason, SseFrame? next)
    {
        _ring.Clear();
        _last = position;
        var reset = SseFrame.ForReset(position, Topic, reason, null);
        var subscribers = _subscribers.TakeSnapshot().Slots;
        foreach (var subscriber in subscribers)
        {
            if (subscriber is null) continue;
            subscriber.SkipThrough = long.MinValue;
            _wakes.Offer(subscriber.Connection, reset);
        }
        if (next is not null)
        {
            _ring.Add(next.Token.Sequence, next);
            _last = next.Token;
            foreach (var subscriber in subscribers)
            {
                if (subscriber is not null) _wakes.Offer(subscriber.Connection, next);
            }
        }
    }

    /// <summary>Attaches <paramref name="connection"/>: live from now when <paramref name="after"/>
    /// is null; otherwise everything after it first (ring, or history then ring), or a <c>reset</c>
    /// when that cannot be had. History frames are written straight to the connection's response,
    /// so call this before the connection's drain loop runs.</summary>
    public async Task<Subscriber> JoinAsync(SseConnection connection, EventPosition? after)
    {
        await Ready.ConfigureAwait(false);
        if (after is not { } requested)
        {
            lock (_gate) return Attach(connection, _last);
        }

        var position = requested;
        var verifiedAhead = false;
        var pageSize = HistoryPaging.NextPageSize(0, 0, _options);
        while (true)
        {
            EventPosition last;
            long ringFirst;
            lock (_gate)
            {
                last = _last;
                if (position.Epoch == 0) position = new EventPosition(_last.Epoch, position.Sequence);
                if (position.Epoch != _last.Epoch) return AttachWithReset(connection, "epochChanged", requested);
                if (position.Sequence == _last.Sequence || (position.Sequence > _last.Sequence && verifiedAhead)) return Attach(connection, position);
                if (position.Sequence < _last.Sequence && CopyRingFrom(connection, position.Sequence + 1)) return Attach(connection, position);
                ringFirst = _ring.Count > 0 ? _ring.FirstSequence : _last.Sequence + 1;
            }

            if (position.Sequence > last.Sequence)
            {
                // Ahead of this relay: either the relay lags behind the stream (then its next events are
                // ones the client has, and are skipped) or the id lies beyond the stream's end.
                var probe = await _raw.ReadAsync(position.Sequence, 1).ConfigureAwait(false);
                if (probe.Epoch != position.Epoch) return LockedAttachWithReset(connection, "epochChanged", requested);
                if (position.Sequence > probe.LastSequence) return LockedAttachWithReset(connection, "aheadOfStream", requested);
                verifiedAhead = true;
                continue;
            }

            var want = (int)Math.Clamp(ringFirst - 1 - position.Sequence, 1, pageSize);
            var page = await _raw.ReadAsync(position.Sequence, want).ConfigureAwait(false);
            if (page.Epoch != position.Epoch) return LockedAttachWithReset(connection, "epochChanged", requested);
            if (page.Events.Count == 0 || page.Events[0].Position.Sequence != position.Sequence + 1)
            {
                return LockedAttachWithReset(connection, "olderThanHistory", requested);
            }
            long pageBytes = 0, unflushed = 0;
            foreach (var streamEvent in page.Events)
            {
                var frame = SseFrame.ForEvent(streamEvent, Topic, StreamKinds.EndsStream(streamEvent));
                connection.Write(frame);
                position = streamEvent.Position;
                pageBytes += frame.Chunk.Length;
                unflushed += frame.Chunk.Length;
                // Flushed at the byte bound, not per page: the client's pace (back-pressure) limits what waits.
                if (unflushed >= _options.HistoryPageBytes)
                {
                    await connection.FlushAsync().ConfigureAwait(false);
                    unflushed = 0;
                }
            }
            _metrics.Delivered(page.Events.Count);
            await connection.FlushAsync().ConfigureAwait(false);
            pageSize = HistoryPaging.NextPageSize(page.Events.Count, pageBytes, _options);
        }
    }

    private Subscriber LockedAttachWithReset(SseConnection connection, string reason, EventPosition requested)
    {
        lock (_gate) return AttachWithReset(connection, reason, requested);
    }

    private Subscriber AttachWithReset(SseConnection connection, string reason, EventPosition requested)
    {
        connection.Offer(SseFrame.ForReset(_last, Topic, reason, requested));
        // Until the reset frame is written the client still stands where it asked to: a reconnect
        // before then gets the reset again rather than silently skipping it.
        return Attach(connection, requested, _last.Sequence);
    }

    private bool CopyRingFrom(SseConnection connection, long sequence)
    {
        if (!_ring.Reaches(sequence)) return false;
        for (var s = sequence; s < _ring.EndSequence; s++) connection.Offer(_ring[s]);
        _metrics.Delivered((int)(_ring.EndSequence - sequence));
        return true;
    }

    // Everything up to _last is either already with the client or queued for it now; a client
    // ahead of the relay (verified against history) skips what it already has.
    private Subscriber Attach(SseConnection connection, EventPosition position)
        => Attach(connection, position, Math.Max(position.Sequence, _last.Sequence));

    private Subscriber Attach(SseConnection connection, EventPosition position, long skipThrough)
    {
        var subscriber = new Subscriber(connection, skipThrough);
        connection.Attached(Topic, position);
        _subscribers.Add(subscriber);
        return subscriber;
    }

    /// <summary>Detaches a connection.</summary>
    public void Leave(Subscriber subscriber)
    {
        lock (_gate) _subscribers.Remove(subscriber);
    }

    /// <summary>Ends the upstream subscription.</summary>
    public async ValueTask DisposeAsync()
    {
        StreamSubscriptionHandle<StreamEvent>? handle;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            handle = _handle;
        }
        if (handle is not null) await UnsubscribeAsync(handle).ConfigureAwait(false);
    }

    private async Task UnsubscribeAsync(StreamSubscriptionHandle<StreamEvent> handle)
    {
        try
        {
            await handle.UnsubscribeAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _logger.LogDebug(exception, "Unsubscribing from stream {StreamId} failed", StreamId);
        }
    }

    private static string ReasonName(StreamHistoryTruncationReason reason) => reason switch
    {
        StreamHistoryTruncationReason.EpochChanged => "epochChanged",
        StreamHistoryTruncationReason.AheadOfStream => "aheadOfStream",
        _ => "olderThanHistory",
    };

    /// <summary>A connection attached to the relay.</summary>
    internal sealed class Subscriber(SseConnection connection, long skipThrough)
    {
        public SseConnection Connection { get; } = connection;

        /// <summary>Events up to this sequence are already with the connection (it resumed from
        /// history further than the relay had got); they are not offered again.</summary>
        public long SkipThrough { get => Volatile.Read(ref _skipThrough); set => Volatile.Write(ref _skipThrough, value); }

        /// <summary>Where the connection sits in its relay's <see cref="RelaySubscriberList"/> (-1: not in it).</summary>
        public int Slot { get; set; } = -1;

        private long _skipThrough = skipThrough;
    }
}
