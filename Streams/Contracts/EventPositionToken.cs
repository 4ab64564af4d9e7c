using Orleans.Streams;

namespace GrainStream.Streams;

/// <summary>Orleans' <see cref="StreamSequenceToken"/> for GrainStream streams: a
/// <see cref="EventPosition"/> (epoch and sequence). Pass it to <c>SubscribeAsync</c> to continue
/// after that event, or to <c>OnNextAsync</c> to publish an event at exactly that position.</summary>
[GenerateSerializer, Immutable, Alias("gs.EventPositionToken")]
public sealed class EventPositionToken : StreamSequenceToken
{
    /// <summary>A token for <paramref name="position"/>.</summary>
    public EventPositionToken(EventPosition position) => Position = position;

    /// <summary>A token for <paramref name="epoch"/> and <paramref name="sequence"/>.</summary>
    public EventPositionToken(long epoch, long sequence) : this(new EventPosition(epoch, sequence))
    {
    }

    /// <summary>The position.</summary>
    [Id(0)]
    public EventPosition Position { get; }

    /// <inheritdoc/>
    public override long SequenceNumber
    {
        get => Position.Sequence;
        protected set => throw new NotSupportedException("A position token is immutable.");
    }

    /// <inheritdoc/>
    public override int EventIndex
    {
        get => 0;
        protected set => throw new NotSupportedException("A position token is immutable.");
    }

    /// <summary>The position of any token: this class's own, or another provider's sequence number in the current epoch.</summary>
    public static EventPosition PositionOf(StreamSequenceToken token) => token is EventPositionToken own ? own.Position : new EventPosition(0, token.SequenceNumber);

    /// <inheritdoc/>
    public override bool Equals(StreamSequenceToken? other) => other is EventPositionToken token && token.Position == Position;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is StreamSequenceToken token && Equals(token);

    /// <inheritdoc/>
    public override int GetHashCode() => Position.GetHashCode();

    /// <inheritdoc/>
    public override int CompareTo(StreamSequenceToken? other) => other is null ? 1 : Position.CompareTo(PositionOf(other));

    /// <inheritdoc/>
    public override string ToString() => Position.ToString();
}
