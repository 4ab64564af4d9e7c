using System.Text;
using System.Text.Json;
using GrainStream.Grains.Leases;
using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainStream.Grains.Queues;

/// <summary>A durable FIFO queue with competing consumers. Consumers are the names API nodes report
/// (with a lease) for their open event streams; each waiting message, oldest first, goes to the
/// connected consumer with the fewest messages in flight, as a <c>message</c> event on that
/// consumer's stream (<see cref="QueueStreams.Consumer"/>), with a receipt new per delivery. A delivery
/// not acked within the visibility timeout (or nacked) makes the message visible again, and it is
/// delivered again flagged <c>redelivered</c>, up to <see cref="QueueOptions.MaxDeliveries"/> times;
/// then it moves to the dead-letter queue. One connection at a time holds a consumer name
/// (<see cref="ClaimConsumer"/>). A timer watches the timeouts and leases while anything is in flight or any
/// consumer is connected; a durable reminder brings a queue holding messages back after a restart.
/// The messages live in the queue's own event log (<see cref="QueueStreams.Messages"/>: one event per
/// enqueue, committed before the enqueue returns, its sequence the message's id); the stored state
/// keeps only which are acked and what is in flight, and the queue trims the log of what is acked. So
/// an enqueue writes one event and an ack a state the size of what is in flight, whatever the depth.</summary>
public class MessageQueueGrain(
    [FromKeyedServices(PlatformClock.Key)] TimeProvider time,
    IOptions<QueueOptions> options,
    ILogger<MessageQueueGrain> logger,
    QueueMetrics metrics,
    [PersistentState("state")] IPersistentState<QueueState> state,
    [PersistentState("consumers")] IPersistentState<NodeLeaseState> consumerLeases,
    [FromKeyedServices(GrainStreamEventsExtensions.DefaultProviderName)] IEventLog log) : Grain, IMessageQueueGrain
{
    internal const string MessageEvent = "message";

    /// <summary>Most ids one ack may carry.</summary>
    internal const int MaxAckIds = 10_000;

    private const string RedeliveryReminder = "queue-redelivery";
    private const int LogTrimBatchSize = 5_000;
    private static readonly TimeSpan MinimumSweepDelay = TimeSpan.FromMilliseconds(1);

    private readonly QueueOptions _options = options.Value;
    private readonly NodeLeaseTable _consumers = new();
    private readonly Dictionary<string, long> _lastServed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConsumerClaim> _claims = new(StringComparer.Ordinal);
    // Unacked messages in id order; their bodies are in the message log.
    private readonly List<QueuedMessage> _messages = [];
    private StreamId _log;
    private long _epoch;
    private long _lastSequence;
    private long _firstRetained;
    private long _deliveries;
    private string _queue = "";
    private IGrainTimer? _sweepTimer;
    private bool _reminderRegistered;
    private long _reportedDepth; // this activation's share of the silo's depth meter

    /// <inheritdoc/>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _queue = this.GetPrimaryKeyString();
        _log = QueueStreams.Messages(_queue);
        await LoadMessagesAsync(cancellationToken);
        // Back after its silo died (or a deactivation): the consumers whose node's lease still runs
        // keep receiving without waiting for the node's next report.
        _consumers.Load(consumerLeases.State, time.GetUtcNow());
        await UpdateReminderAsync();
        // Deliveries in flight before a restart still time out and become visible again.
        ScheduleSweep();
        ReportDepth();
    }

    /// <inheritdoc/>
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // What this activation holds leaves the silo with it.
        metrics.DepthChanged(-_reportedDepth);
        _reportedDepth = 0;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<long> Enqueue(JsonElement body)
    {
        if (body.ValueKind == JsonValueKind.Undefined) throw new ArgumentException("body is required (any JSON value).", nameof(body));
        if (Encoding.UTF8.GetByteCount(body.GetRawText()) > _options.MaxMessageBytes)
        {
            throw new ArgumentException($"body must be at most {_options.MaxMessageBytes} bytes of JSON.", nameof(body));
        }
        if (_messages.Count >= _options.MaxDepth)
        {
            throw new InvalidOperationException($"Queue '{_queue}' is full: it holds {_options.MaxDepth} unacked messages.");
        }

        var message = new QueuedMessage { Id = _lastSequence + 1, Body = body.Clone(), EnqueuedAt = time.GetUtcNow() };
        // On disk before the id is handed out; nothing else is stored until it is delivered.
        await AppendAsync([message]);
        _messages.Add(message);
        ReportDepth();
        await DispatchAfterEnqueueAsync(message.Id);
        return message.Id;
    }

    // The message is durable with its id by now, so a dispatch that cannot be stored (a full disk) is
    // not the enqueue's failure: answering one would make the client enqueue it twice. The activation
    // reloads from its state and log, which hold the message, and dispatches it from there.
    private async Task DispatchAfterEnqueueAsync(long id)
    {
        try
        {
            await DispatchAsync(changed: false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Queue {Queue} stored message {Id} but could not dispatch it now; it is dispatched once the queue reloads", _queue, id);
            DeactivateOnIdle();
        }
    }

    /// <inheritdoc/>
    public async Task<int> Ack(string consumer, IReadOnlyList<long> ids)
    {
        if (ids is null) throw new ArgumentException("ids is required.", nameof(ids));
        return (await Acknowledge(consumer, ids, null)).Settled;
    }

    /// <inheritdoc/>
    public Task<QueueSettlement> Acknowledge(string consumer, IReadOnlyList<long>? ids, IReadOnlyList<string>? receipts)
        => SettleAsync(consumer, ids, receipts, held => _messages.RemoveAll(held.Contains));

    /// <inheritdoc/>
    public Task<QueueSettlement> Nack(string consumer, IReadOnlyList<long>? ids, IReadOnlyList<string>? receipts)
        => SettleAsync(consumer, ids, receipts, held =>
        {
            foreach (var message in held) TakeBack(message);
        });

    /// <inheritdoc/>
    public Task<QueueSettlement> ExtendVisibility(string consumer, IReadOnlyList<long>? ids, IReadOnlyList<string>? receipts, TimeSpan visibleAfter)
    {
        if (visibleAfter < TimeSpan.FromSeconds(1) || visibleAfter > _options.MaxVisibilityExtension)
        {
            throw new ArgumentException($"seconds must be between 1 and {(long)_options.MaxVisibilityExtension.TotalSeconds} (Queues:MaxVisibilityExtension).", "seconds");
        }
        var until = time.GetUtcNow() + visibleAfter;
        return SettleAsync(consumer, ids, receipts, held =>
        {
            foreach (var message in held) message.InvisibleUntil = until;
        });
    }

    /// <summary>Applies <paramref name="settle"/> to the deliveries the consumer holds among those
    /// named, then stores and dispatches; the answer names what it does not hold.</summary>
    private async Task<QueueSettlement> SettleAsync(string consumer, IReadOnlyList<long>? ids, IReadOnlyList<string>? receipts, Action<HashSet<QueuedMessage>> settle)
    {
        var (held, settlement) = Held(consumer, ids, receipts);
        if (held.Count == 0) return settlement;
        settle(held);
        await DispatchAsync(changed: true);
        return settlement;
    }

    /// <inheritdoc/>
    public Task<bool> ClaimConsumer(string nodeId, string connectionId, string consumer, TimeSpan lease)
    {
        NodeLeaseTable.Validate(nodeId, [consumer], lease, _options.MaxConsumerLease, nameof(consumer));
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionId);
        var now = time.GetUtcNow();
        ExpireClaims(now);
        if (_claims.TryGetValue(consumer, out var held) && held.Connection != connectionId) return Task.FromResult(false);
        // After a re-activation the claims are gone, but the nodes' stored leases still say who is connected where.
        if (_consumers.ListedByOtherNode(consumer, nodeId, now)) return Task.FromResult(false);
        _claims[consumer] = new ConsumerClaim(nodeId, connectionId) { ExpiresAt = now + lease };
        return Task.FromResult(true);
    }

    /// <inheritdoc/>
    public Task ReleaseConsumer(string consumer, string connectionId)
    {
        if (consumer is not null && _claims.TryGetValue(consumer, out var held) && held.Connection == connectionId) _claims.Remove(consumer);
        return Task.CompletedTask;
    }

    /// <summary>The messages in flight to <paramref name="consumer"/> named by id or receipt, and the
    /// answer naming what it does not hold. A delivery past its timeout but not yet taken back still
    /// belongs to its consumer.</summary>
    private (HashSet<QueuedMessage> Held, QueueSettlement Settlement) Held(string consumer, IReadOnlyList<long>? ids, IReadOnlyList<string>? receipts)
    {
        EntityKey.Require(consumer, nameof(consumer));
        if (ids is null && receipts is null) throw new ArgumentException("ids or receipts is required.", nameof(ids));
        if ((ids?.Count ?? 0) + (receipts?.Count ?? 0) > MaxAckIds) throw new ArgumentException($"ids and receipts may name at most {MaxAckIds} deliveries.", nameof(ids));

        var held = new HashSet<QueuedMessage>();
        var notHeldIds = new List<long>();
        var notHeldReceipts = new List<string>();
        if (ids is { Count: > 0 })
        {
            var byId = _messages.Where(m => m.Consumer == consumer).ToDictionary(m => m.Id);
            foreach (var id in ids.Distinct())
            {
                if (byId.TryGetValue(id, out var message)) held.Add(message);
                else notHeldIds.Add(id);
            }
        }
        if (receipts is { Count: > 0 })
        {
            var byReceipt = _messages.Where(m => m.Consumer == consumer && m.Receipt is not null).ToDictionary(m => m.Receipt!, StringComparer.Ordinal);
            foreach (var receipt in receipts.Distinct(StringComparer.Ordinal))
            {
                if (receipt is not null && byReceipt.TryGetValue(receipt, out var message)) held.Add(message);
                else notHeldReceipts.Add(receipt ?? "");
            }
        }
        return (held, new QueueSettlement(held.Count, notHeldIds, notHeldReceipts));
    }

    private static void TakeBack(QueuedMessage message)
    {
        message.Consumer = null;
        message.InvisibleUntil = null;
        message.Receipt = null;
    }

    private void ExpireClaims(DateTimeOffset now)
    {
        foreach (var (consumer, claim) in _claims.Where(c => c.Value.ExpiresAt <= now).ToList()) _claims.Remove(consumer);
    }

    /// <inheritdoc/>
    public async Task ReportConsumers(string nodeId, IReadOnlyList<string> consumers, TimeSpan lease)
    {
        NodeLeaseTable.Validate(nodeId, consumers, lease, _options.MaxConsumerLease, nameof(consumers));
        var now = time.GetUtcNow();
        _consumers.Report(nodeId, consumers, now + lease);
        await StoreConsumerLeasesAsync();
        await DispatchAsync(changed: false, resendTo: RenewClaims(nodeId, consumers, now + lease));
    }

    /// <summary>Renews the node's claims on the consumers it reports and drops those of consumers it
    /// no longer reports once they were live (the connection ended). Returns the consumers reported
    /// for the first time since their claim: their connection is live now, so what they hold is sent again.</summary>
    private List<string>? RenewClaims(string nodeId, IReadOnlyList<string> consumers, DateTimeOffset expiresAt)
    {
        List<string>? live = null;
        var reported = new HashSet<string>(consumers, StringComparer.Ordinal);
        foreach (var (consumer, claim) in _claims.Where(c => c.Value.Node == nodeId).ToList())
        {
            if (reported.Contains(consumer))
            {
                claim.ExpiresAt = expiresAt;
                if (claim.Live) continue;
                claim.Live = true;
                (live ??= []).Add(consumer);
            }
            else if (claim.Live)
            {
                _claims.Remove(consumer);
            }
        }
        return live;
    }

    /// <inheritdoc/>
    public Task<QueueStats> GetStats()
    {
        var messages = _messages;
        var inFlight = messages.Count(m => m.Consumer is not null);
        return Task.FromResult(new QueueStats(_queue, messages.Count, inFlight, [.. _consumers.Present(time.GetUtcNow())]));
    }

    /// <inheritdoc/>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != RedeliveryReminder) return;
        _reminderRegistered = true;
        await DispatchAsync(changed: false);
    }

    /// <summary>Takes back timed-out deliveries, hands waiting messages to consumers, stores the
    /// queue when anything changed (or <paramref name="changed"/> says the caller changed it), then
    /// publishes the deliveries and re-arms the timer and reminder.</summary>
    private async Task DispatchAsync(bool changed, List<string>? resendTo = null)
    {
        var now = time.GetUtcNow();
        // The last consumer's lease ran out (its node died or stopped reporting): nothing left to keep.
        if (_consumers.Expire(now) && _consumers.IsEmpty && consumerLeases.RecordExists) await StoreConsumerLeasesAsync();
        ExpireClaims(now);
        changed |= ReleaseTimedOut(now);
        changed |= await DeadLetterAsync();
        var deliveries = Resend(resendTo);
        deliveries.AddRange(Assign(now));
        try
        {
            if (changed || deliveries.Count > 0) await WriteStateAsync();
            await UpdateReminderAsync();
            await DeliverAsync(deliveries);
        }
        finally
        {
            ScheduleSweep();
        }
    }

    private bool ReleaseTimedOut(DateTimeOffset now)
    {
        var released = false;
        foreach (var message in _messages)
        {
            if (message.Consumer is null || message.InvisibleUntil > now) continue;
            TakeBack(message);
            released = true;
        }
        return released;
    }

    /// <summary>True when the message has been delivered <see cref="QueueOptions.MaxDeliveries"/>
    /// times and this queue has a dead-letter queue: it waits to move there, never to be delivered again.</summary>
    private bool IsDead(QueuedMessage message)
        => _options.MaxDeliveries > 0 && message.DeliveryCount >= _options.MaxDeliveries && QueueStreams.DeadLetterQueue(_queue) is not null;

    /// <summary>Moves waiting messages delivered too often to <c>{queue}.dead</c>: enqueued there first,
    /// then removed here, so a failure in between duplicates a dead letter rather than losing it. A
    /// refused move (the dead-letter queue is full) is tried again at the next dispatch.</summary>
    private async Task<bool> DeadLetterAsync()
    {
        if (QueueStreams.DeadLetterQueue(_queue) is not { } deadLetters) return false;
        var moved = false;
        foreach (var message in _messages.Where(m => m.Consumer is null && IsDead(m)).ToList())
        {
            try
            {
                await GrainFactory.GetGrain<IMessageQueueGrain>(deadLetters).Enqueue(message.Body);
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Moving message {Id} of queue {Queue} to {DeadLetters} failed; trying again later", message.Id, _queue, deadLetters);
                continue;
            }
            _messages.Remove(message);
            moved = true;
            logger.LogInformation("Message {Id} of queue {Queue} was delivered {Count} times without an ack; moved to {DeadLetters}", message.Id, _queue, message.DeliveryCount, deadLetters);
        }
        return moved;
    }

    /// <summary>The deliveries in flight to <paramref name="consumers"/>, as they were sent (same
    /// receipt, same count): a connection that just went live gets what it still holds.</summary>
    private List<(string Consumer, QueueDelivery Delivery)> Resend(List<string>? consumers)
    {
        var deliveries = new List<(string, QueueDelivery)>();
        if (consumers is null) return deliveries;
        foreach (var message in _messages)
        {
            if (message.Consumer is { } holder && consumers.Contains(holder)) deliveries.Add((holder, ToDelivery(message)));
        }
        return deliveries;
    }

    private static QueueDelivery ToDelivery(QueuedMessage message)
        => new(message.Id, message.Body, message.DeliveryCount > 1, message.DeliveryCount, message.EnqueuedAt, message.Receipt);

    /// <summary>Oldest waiting message first, each to the connected consumer with the fewest in
    /// flight (below the limit); ties go to the consumer served longest ago.</summary>
    private List<(string Consumer, QueueDelivery Delivery)> Assign(DateTimeOffset now)
    {
        var deliveries = new List<(string, QueueDelivery)>();
        var connected = _consumers.Present(now);
        foreach (var gone in _lastServed.Keys.Where(c => !connected.Contains(c)).ToList()) _lastServed.Remove(gone);
        if (connected.Count == 0) return deliveries;

        var inFlight = connected.ToDictionary(c => c, _ => 0, StringComparer.Ordinal);
        foreach (var message in _messages)
        {
            if (message.Consumer is { } holder && inFlight.TryGetValue(holder, out var count)) inFlight[holder] = count + 1;
        }
        foreach (var message in _messages)
        {
            if (message.Consumer is not null || IsDead(message)) continue;
            var consumer = inFlight
                .Where(c => c.Value < _options.MaxInFlightPerConsumer)
                .OrderBy(c => c.Value)
                .ThenBy(c => _lastServed.GetValueOrDefault(c.Key))
                .Select(c => c.Key)
                .FirstOrDefault();
            if (consumer is null) break;
            inFlight[consumer]++;
            _lastServed[consumer] = ++_deliveries;
            message.Consumer = consumer;
            message.InvisibleUntil = now + _options.VisibilityTimeout;
            message.DeliveryCount++;
            message.Receipt = SecretTokens.New();
            deliveries.Add((consumer, ToDelivery(message)));
        }
        return deliveries;
    }

    /// <summary>Publishes the deliveries, in order per consumer. A failed publish is only logged:
    /// the message is in flight and comes back when its visibility timeout passes.</summary>
    private Task DeliverAsync(List<(string Consumer, QueueDelivery Delivery)> deliveries)
    {
        if (deliveries.Count == 0) return Task.CompletedTask;
        var streams = this.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName);
        return Task.WhenAll(deliveries.GroupBy(d => d.Consumer, StringComparer.Ordinal).Select(async group =>
        {
            var stream = streams.GetStream<QueueDelivery>(QueueStreams.Consumer(_queue, group.Key));
            foreach (var (consumer, delivery) in group)
            {
                try
                {
                    await stream.OnNextAsync(delivery);
                }
                catch (Exception exception)
                {
                    logger.LogWarning(exception, "Delivering message {Id} of queue {Queue} to {Consumer} failed; it is delivered again after the visibility timeout",
                        delivery.Id, _queue, consumer);
                }
            }
        }));
    }

    /// <summary>Arms the timer for the earliest visibility timeout or consumer lease (at most a
    /// sweep interval away), or stops it when nothing is in flight and no consumer is connected.</summary>
    private void ScheduleSweep()
    {
        var next = _consumers.NextExpiry;
        foreach (var message in _messages)
        {
            if (message.Consumer is not null && message.InvisibleUntil is { } until && (next is null || until < next)) next = until;
        }
        if (next is not { } deadline)
        {
            _sweepTimer?.Dispose();
            _sweepTimer = null;
            return;
        }
        var due = deadline - time.GetUtcNow();
        due = due < MinimumSweepDelay ? MinimumSweepDelay : due > _options.SweepInterval ? _options.SweepInterval : due;
        if (_sweepTimer is null)
        {
            // KeepAlive: a queue with deliveries in flight or consumers connected stays active to keep its promises on time.
            _sweepTimer = this.RegisterGrainTimer(_ => DispatchAsync(changed: false), new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
        else
        {
            _sweepTimer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Holds the durable reminder exactly while the queue holds messages. A failure to
    /// change it is logged and tried again on the next change: the messages are stored already.</summary>
    private async Task UpdateReminderAsync()
    {
        var wanted = _messages.Count > 0;
        if (wanted == _reminderRegistered) return;
        try
        {
            if (wanted) await this.RegisterOrUpdateReminder(RedeliveryReminder, _options.ReminderPeriod, _options.ReminderPeriod);
            else await this.UnregisterReminderIfAny(RedeliveryReminder);
            _reminderRegistered = wanted;
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Updating the reminder of queue {Queue} failed; trying again on the next change", _queue);
        }
    }

    /// <summary>Rebuilds the unacked messages from the message log after the acked watermark, skipping
    /// the ids stored as acked and restoring what was delivered; a state written before the log moves
    /// its messages there first.</summary>
    private async Task LoadMessagesAsync(CancellationToken cancellationToken)
    {
        var position = await log.OpenAsync(_log, cancellationToken);
        (_epoch, _firstRetained, _lastSequence) = (position.Epoch, position.FirstSequence, position.LastSequence);
        var stored = state.State;
        if (stored.Messages is { Count: > 0 } legacy)
        {
            await MigrateAsync(legacy);
            return;
        }
        if (stored.Epoch != 0 && stored.Epoch != _epoch)
        {
            // The log was lost and began again (a memory log in a new process): what is stored counts other ids.
            logger.LogWarning("The message log of queue {Queue} has epoch {Epoch}, not the stored {Stored}; its stored acks and deliveries no longer apply", _queue, _epoch, stored.Epoch);
            stored = new QueueState();
        }
        var deliveries = stored.Deliveries.ToDictionary(d => d.Id);
        var acked = stored.Acked;
        var range = 0;
        var after = Math.Max(stored.AckedThrough, _firstRetained - 1);
        var batch = Math.Max(1, _options.LogReadBatch);
        while (after < _lastSequence)
        {
            var page = await log.ReadAsync(_log, after, batch, cancellationToken);
            if (page.Count == 0) break;
            foreach (var streamEvent in page)
            {
                var id = after = streamEvent.Position.Sequence;
                while (range < acked.Count && acked[range].To < id) range++;
                if (range < acked.Count && acked[range].From <= id) continue;
                using var body = JsonDocument.Parse(streamEvent.Payload);
                var message = new QueuedMessage { Id = id, Body = body.RootElement.Clone(), EnqueuedAt = streamEvent.Timestamp };
                if (deliveries.TryGetValue(id, out var delivery))
                {
                    (message.DeliveryCount, message.Consumer, message.InvisibleUntil, message.Receipt)
                        = (delivery.DeliveryCount, delivery.Consumer, delivery.InvisibleUntil, delivery.Receipt);
                }
                _messages.Add(message);
            }
        }
    }

    /// <summary>Moves the messages of a state written before the message log into the log (one append,
    /// so it is there whole or not at all), then stores the state without them. They get the log's
    /// ids; a delivery in flight keeps its receipt and count, so it is acked by receipt (or comes back
    /// after its timeout). A log already holding events is a migration that appended but did not store.</summary>
    private async Task MigrateAsync(List<QueuedMessage> legacy)
    {
        for (var i = 0; i < legacy.Count; i++) legacy[i].Id = i + 1;
        if (_lastSequence == 0) await AppendAsync(legacy);
        else if (_lastSequence != legacy.Count) logger.LogWarning("Queue {Queue} found {Events} events in its message log while moving {Count} stored messages there", _queue, _lastSequence, legacy.Count);
        _messages.AddRange(legacy);
        await WriteStateAsync();
        logger.LogInformation("Queue {Queue} moved its {Count} stored messages to its message log", _queue, legacy.Count);
    }

    /// <summary>Appends the messages to the log as the ids after its last; a conflict means another
    /// activation wrote it, so this one goes (the next call reloads).</summary>
    private async Task AppendAsync(IReadOnlyList<QueuedMessage> messages)
    {
        var events = new List<StreamEvent>(messages.Count);
        foreach (var message in messages)
        {
            var position = new EventPosition(_epoch, _lastSequence + 1 + events.Count);
            events.Add(new StreamEvent(_log, position, MessageEvent, message.EnqueuedAt, Encoding.UTF8.GetBytes(message.Body.GetRawText())));
        }
        try
        {
            await log.AppendAsync(_log, events);
        }
        catch (EventLogConflictException)
        {
            DeactivateOnIdle();
            throw;
        }
        _lastSequence += events.Count;
    }

    /// <summary>Stores the bookkeeping (see <see cref="QueueState"/>), its size that of the gaps and
    /// deliveries, not of the queue; then trims the log of acked messages once enough piled up. A queue
    /// holding no message trims its whole log first and then keeps no record: ids go on from the log's
    /// last sequence, so they never repeat (receipts, new per delivery, never repeat either).</summary>
    private async Task WriteStateAsync()
    {
        // Trimmed before the record goes, or a crash in between would bring acked messages back.
        var empty = _messages.Count == 0 && await TrimLogAsync(_lastSequence + 1);
        Bookkeep();
        await state.WriteOrClearAsync(empty, DeactivateOnIdle, logger, $"queue {_queue}");
        if (!empty && state.State.AckedThrough + 1 - _firstRetained >= Math.Max(1, _options.AckedMessagesPerTrim))
        {
            await TrimLogAsync(state.State.AckedThrough + 1);
        }
        ReportDepth();
    }

    private void ReportDepth()
    {
        var depth = _messages.Count;
        metrics.DepthChanged(depth - _reportedDepth);
        _reportedDepth = depth;
    }

    /// <summary>Fills the state from memory: the watermark just below the oldest unacked message, the
    /// gaps above it (acked ids) up to the log's last sequence, and the delivered messages.</summary>
    private void Bookkeep()
    {
        var stored = state.State;
        stored.Epoch = _epoch;
        stored.Messages = null;
        stored.AckedThrough = _messages.Count > 0 ? _messages[0].Id - 1 : _lastSequence;
        stored.Acked = [];
        stored.Deliveries = [];
        var previous = stored.AckedThrough;
        foreach (var message in _messages)
        {
            if (message.Id > previous + 1) stored.Acked.Add(new AckedRange { From = previous + 1, To = message.Id - 1 });
            previous = message.Id;
            if (message.DeliveryCount > 0)
            {
                stored.Deliveries.Add(new DeliveryRecord
                {
                    Id = message.Id, DeliveryCount = message.DeliveryCount, Consumer = message.Consumer,
                    InvisibleUntil = message.InvisibleUntil, Receipt = message.Receipt,
                });
            }
        }
        if (_lastSequence > previous) stored.Acked.Add(new AckedRange { From = previous + 1, To = _lastSequence });
    }

    /// <summary>Deletes the log's events before <paramref name="keepFrom"/> (all acked). A failure is
    /// only logged and returns false: the events stay and the next trim takes them.</summary>
    private async Task<bool> TrimLogAsync(long keepFrom)
    {
        if (keepFrom <= _firstRetained) return true;
        try
        {
            await log.TrimBeforeAsync(_log, keepFrom, LogTrimBatchSize);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Trimming the message log of queue {Queue} before {Sequence} failed; trying again later", _queue, keepFrom);
            return false;
        }
        _firstRetained = keepFrom;
        return true;
    }

    /// <summary>Stores the consumers' leases; a queue without consumers keeps no record of them.</summary>
    private Task StoreConsumerLeasesAsync()
    {
        consumerLeases.State = _consumers.ToState();
        return consumerLeases.WriteOrClearAsync(_consumers.IsEmpty, DeactivateOnIdle, logger, $"consumers of queue {_queue}");
    }
}
