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
/// consumer's stream (<see cref="QueueStreams.Consumer"/>). A delivery not acked within the
/// visibility timeout makes the message visible again, and it is delivered again flagged
/// <c>redelivered</c>. A timer watches the timeouts and leases while anything is in flight or any
/// consumer is connected; a durable reminder brings a queue holding messages back after a restart.</summary>
public class MessageQueueGrain(
    [FromKeyedServices(PlatformClock.Key)] TimeProvider time,
    IOptions<QueueOptions> options,
    ILogger<MessageQueueGrain> logger,
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
    private long _deliveries;
    private string _queue = "";
    private IGrainTimer? _sweepTimer;
    private bool _reminderRegistered;

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
        EntityKey.Require(consumer, nameof(consumer));
        if (ids is null) throw new ArgumentException("ids is required.", nameof(ids));
        if (ids.Count > MaxAckIds) throw new ArgumentException($"ids may list at most {MaxAckIds} message ids.", nameof(ids));
        if (ids.Count == 0) return 0;

        var acked = new HashSet<long>(ids);
        // A delivery past its timeout but not yet taken back still belongs to its consumer.
        var removed = state.State.Messages.RemoveAll(m => m.Consumer == consumer && acked.Contains(m.Id));
        if (removed > 0) await DispatchAsync(changed: true);
        return removed;
    }

    /// <inheritdoc/>
    public async Task ReportConsumers(string nodeId, IReadOnlyList<string> consumers, TimeSpan lease)
    {
        NodeLeaseTable.Validate(nodeId, consumers, lease, _options.MaxConsumerLease, nameof(consumers));
        _consumers.Report(nodeId, consumers, time.GetUtcNow() + lease);
        consumerLeases.State = _consumers.ToState();
        await consumerLeases.WriteStateAsync();
        await DispatchAsync(changed: false);
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
    private async Task DispatchAsync(bool changed)
    {
        var now = time.GetUtcNow();
        _consumers.Expire(now);
        changed |= ReleaseTimedOut(now);
        var deliveries = Assign(now);
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
            message.Consumer = null;
            message.InvisibleUntil = null;
            released = true;
        }
        return released;
    }

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
            if (message.Consumer is not null) continue;
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
            deliveries.Add((consumer, new QueueDelivery(message.Id, message.Body, message.DeliveryCount > 1, message.DeliveryCount, message.EnqueuedAt)));
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

    private Task WriteStateAsync() => state.WriteOrReloadAsync(DeactivateOnIdle, logger, $"queue {_queue}");
}
