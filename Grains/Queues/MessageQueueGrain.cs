using System.Text;
using System.Text.Json;
using GrainStream.Grains.Leases;
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
/// consumer is connected; a durable reminder brings a queue holding messages back after a restart.</summary>
public class MessageQueueGrain(
    [FromKeyedServices(PlatformClock.Key)] TimeProvider time,
    IOptions<QueueOptions> options,
    ILogger<MessageQueueGrain> logger,
    QueueMetrics metrics,
    [PersistentState("state")] IPersistentState<QueueState> state,
    [PersistentState("consumers")] IPersistentState<NodeLeaseState> consumerLeases) : Grain, IMessageQueueGrain
{
    internal const string MessageEvent = "message";

    /// <summary>Most ids one ack may carry.</summary>
    internal const int MaxAckIds = 10_000;

    private const string RedeliveryReminder = "queue-redelivery";
    private static readonly TimeSpan MinimumSweepDelay = TimeSpan.FromMilliseconds(1);

    private readonly QueueOptions _options = options.Value;
    private readonly NodeLeaseTable _consumers = new();
    private readonly Dictionary<string, long> _lastServed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConsumerClaim> _claims = new(StringComparer.Ordinal);
    private long _deliveries;
    private string _queue = "";
    private IGrainTimer? _sweepTimer;
    private bool _reminderRegistered;
    private long _reportedDepth; // this activation's share of the silo's depth meter

    /// <inheritdoc/>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _queue = this.GetPrimaryKeyString();
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
        if (state.State.Messages.Count >= _options.MaxDepth)
        {
            throw new InvalidOperationException($"Queue '{_queue}' is full: it holds {_options.MaxDepth} unacked messages.");
        }

        var message = new QueuedMessage { Id = state.State.NextId++, Body = body.Clone(), EnqueuedAt = time.GetUtcNow() };
        state.State.Messages.Add(message);
        await DispatchAsync(changed: true);
        return message.Id;
    }

    /// <inheritdoc/>
    public async Task<int> Ack(string consumer, IReadOnlyList<long> ids)
    {
        if (ids is null) throw new ArgumentException("ids is required.", nameof(ids));
        return (await Acknowledge(consumer, ids, null)).Settled;
    }

    /// <inheritdoc/>
    public async Task<QueueSettlement> Acknowledge(string consumer, IReadOnlyList<long>? ids, IReadOnlyList<string>? receipts)
    {
        var (held, settlement) = Held(consumer, ids, receipts);
        if (held.Count == 0) return settlement;
        state.State.Messages.RemoveAll(held.Contains);
        await DispatchAsync(changed: true);
        return settlement;
    }

    /// <inheritdoc/>
    public async Task<QueueSettlement> Nack(string consumer, IReadOnlyList<long>? ids, IReadOnlyList<string>? receipts)
    {
        var (held, settlement) = Held(consumer, ids, receipts);
        if (held.Count == 0) return settlement;
        foreach (var message in held) TakeBack(message);
        await DispatchAsync(changed: true);
        return settlement;
    }

    /// <inheritdoc/>
    public async Task<QueueSettlement> ExtendVisibility(string consumer, IReadOnlyList<long>? ids, IReadOnlyList<string>? receipts, TimeSpan visibleAfter)
    {
        if (visibleAfter < TimeSpan.FromSeconds(1) || visibleAfter > _options.MaxVisibilityExtension)
        {
            throw new ArgumentException($"seconds must be between 1 and {(long)_options.MaxVisibilityExtension.TotalSeconds} (Queues:MaxVisibilityExtension).", "seconds");
        }
        var (held, settlement) = Held(consumer, ids, receipts);
        if (held.Count == 0) return settlement;
        var until = time.GetUtcNow() + visibleAfter;
        foreach (var message in held) message.InvisibleUntil = until;
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
            var byId = state.State.Messages.Where(m => m.Consumer == consumer).ToDictionary(m => m.Id);
            foreach (var id in ids.Distinct())
            {
                if (byId.TryGetValue(id, out var message)) held.Add(message);
                else notHeldIds.Add(id);
            }
        }
        if (receipts is { Count: > 0 })
        {
            var byReceipt = state.State.Messages.Where(m => m.Consumer == consumer && m.Receipt is not null).ToDictionary(m => m.Receipt!, StringComparer.Ordinal);
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
        var messages = state.State.Messages;
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
        foreach (var message in state.State.Messages)
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
        foreach (var message in state.State.Messages.Where(m => m.Consumer is null && IsDead(m)).ToList())
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
            state.State.Messages.Remove(message);
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
        foreach (var message in state.State.Messages)
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
        foreach (var message in state.State.Messages)
        {
            if (message.Consumer is { } holder && inFlight.TryGetValue(holder, out var count)) inFlight[holder] = count + 1;
        }
        foreach (var message in state.State.Messages)
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
        foreach (var message in state.State.Messages)
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
        var wanted = state.State.Messages.Count > 0;
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

    /// <summary>Stores the messages; a queue holding none (so none in flight either) keeps no record.
    /// The next id stays in memory, so ids do not repeat while the activation lives; after it, a queue
    /// emptied and re-activated numbers from 1 again (receipts, new per delivery, never repeat).</summary>
    private async Task WriteStateAsync()
    {
        var nextId = state.State.NextId;
        await state.WriteOrClearAsync(state.State.Messages.Count == 0, DeactivateOnIdle, logger, $"queue {_queue}");
        state.State.NextId = Math.Max(state.State.NextId, nextId);
        ReportDepth();
    }

    private void ReportDepth()
    {
        var depth = state.State.Messages.Count;
        metrics.DepthChanged(depth - _reportedDepth);
        _reportedDepth = depth;
    }

    /// <summary>Stores the consumers' leases; a queue without consumers keeps no record of them.</summary>
    private Task StoreConsumerLeasesAsync()
    {
        consumerLeases.State = _consumers.ToState();
        return consumerLeases.WriteOrClearAsync(_consumers.IsEmpty, DeactivateOnIdle, logger, $"consumers of queue {_queue}");
    }
}
