namespace GrainStream.Grains.Queues;

/// <summary>Message queue settings, bound from the <c>Queues</c> configuration section.</summary>
public sealed class QueueOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Queues";

    /// <summary>How long a delivered message stays invisible to other consumers waiting for its
    /// ack; unacked by then, it is delivered again. Default 30 s.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most unacked deliveries a consumer holds at once. Default 16.</summary>
    public int MaxInFlightPerConsumer { get; set; } = 16;

    /// <summary>Largest message body, as UTF-8 JSON. Default 256 KiB.</summary>
    public int MaxMessageBytes { get; set; } = 256 * 1024;

    /// <summary>Most unacked messages a queue holds; an enqueue beyond fails with
    /// <see cref="InvalidOperationException"/>. Default 10,000.</summary>
    public int MaxDepth { get; set; } = 10_000;

    /// <summary>Longest time between two checks for expired visibility timeouts and consumer
    /// leases; each is also checked exactly when it expires. Default 1 s.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Period of the durable reminder that brings a queue holding unacked messages back
    /// after a restart. Default 1 min.</summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Deliveries of one message without an ack (timed out or nacked) after which it moves to
    /// the dead-letter queue <c>{queue}.dead</c> instead of being delivered again; 0 turns this off. A
    /// dead-letter queue itself, and a queue whose name is longer than 123 characters (so that
    /// <c>{queue}.dead</c> would not be a key), redeliver without limit. Default 5.</summary>
    public int MaxDeliveries { get; set; } = 5;

    /// <summary>Longest visibility an extend may ask for, from the time of the extend. Default 12 h.</summary>
    public TimeSpan MaxVisibilityExtension { get; set; } = TimeSpan.FromHours(12);

    /// <summary>When true, ack, nack and extend must name deliveries by <c>receipts</c>; naming them by
    /// <c>ids</c> alone is 400. Read by the API node. Default false (ids, as before, are accepted);
    /// always true with <c>Auth:Mode=Jwt</c>.</summary>
    public bool RequireReceipts { get; set; }

    /// <summary>Longest consumer lease a node may ask for. Default 5 min.</summary>
    public TimeSpan MaxConsumerLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many acked messages a queue's message log may hold before the queue trims it (it also
    /// trims whenever it becomes empty). Default 1,000.</summary>
    public int AckedMessagesPerTrim { get; set; } = 1_000;

    /// <summary>Messages read per page of the message log when a queue activates. Default 1,000.</summary>
    public int LogReadBatch { get; set; } = 1_000;
}
