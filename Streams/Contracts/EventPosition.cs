using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace GrainStream.Streams;

/// <summary>The position of an event in its stream: the stream's incarnation (<see cref="Epoch"/>,
/// new whenever the stream's history starts afresh) and the event's sequence number within it
/// (1, 2, 3 … assigned by the stream's single writer). Printed <c>epoch-sequence</c>; this is the
/// SSE event id clients resume from.</summary>
/// <param name="Epoch">The incarnation; 0 in a request means "whatever the current incarnation is".</param>
/// <param name="Sequence">The sequence number; 0 is "before the first event".</param>
[GenerateSerializer, Immutable, Alias("gs.EventPosition")]
public readonly record struct EventPosition(long Epoch, long Sequence) : IComparable<EventPosition>
{
    /// <summary>Before the first event of whatever incarnation is current: subscribing after it replays all history.</summary>
    public static EventPosition Beginning => new(0, 0);

    /// <inheritdoc/>
    public int CompareTo(EventPosition other) => Epoch != other.Epoch ? Epoch.CompareTo(other.Epoch) : Sequence.CompareTo(other.Sequence);

    /// <summary>Prints <c>epoch-sequence</c> (epoch in base 36, to stay short).</summary>
    public override string ToString() => string.Concat(ToBase36(Epoch), "-", Sequence.ToString(CultureInfo.InvariantCulture));

    /// <summary>Parses the form printed by <see cref="ToString"/>.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out EventPosition position)
    {
        position = default;
        var dash = value?.IndexOf('-') ?? -1;
        if (value is null || dash <= 0 || dash > 13) return false;
        if (!TryFromBase36(value.AsSpan(0, dash), out var epoch)) return false;
        if (!long.TryParse(value.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)) return false;
        position = new EventPosition(epoch, sequence);
        return true;
    }

    private static string ToBase36(long value)
    {
        if (value < 0) value = 0;
        Span<char> buffer = stackalloc char[13];
        var position = buffer.Length;
        do
        {
            var digit = (int)(value % 36);
            buffer[--position] = (char)(digit < 10 ? '0' + digit : 'a' + digit - 10);
            value /= 36;
        }
        while (value > 0);
        return new string(buffer[position..]);
    }

    private static bool TryFromBase36(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        foreach (var c in text)
        {
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'z' => c - 'a' + 10,
                _ => -1,
            };
            if (digit < 0 || value > (long.MaxValue - digit) / 36) return false;
            value = value * 36 + digit;
        }
        return true;
    }
}
