namespace GrainStream.Bench.Fanout;

/// <summary>A minimal, allocation-free Server-Sent Events line parser for the benchmark client: it
/// keeps the last <c>id</c> (for resuming), notices <c>reset</c> events and hands each event's
/// benchmark text (see <see cref="BenchMessageText"/>) to <see cref="SseSubscriber"/>.</summary>
internal sealed class SseEventParser(SseSubscriber subscriber)
{
    private byte[] _line = new byte[1024];
    private int _lineLength;
    private readonly byte[] _lastId = new byte[256];
    private int _lastIdLength;
    private bool _hasMessage, _isReset;
    private int _sequence;
    private long _timestamp;

    /// <summary>The reconnection time the server last gave (<c>retry:</c>), or null before any.</summary>
    public int? RetryMilliseconds { get; private set; }

    /// <summary>The last event id seen, or null before any.</summary>
    public string? LastEventId => _lastIdLength == 0 ? null : System.Text.Encoding.UTF8.GetString(_lastId, 0, _lastIdLength);

    /// <summary>Forgets a half-received line and event (the connection dropped); keeps the last id.</summary>
    public void Restart()
    {
        _lineLength = 0;
        _hasMessage = _isReset = false;
    }

    public void Feed(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var newline = bytes.IndexOf((byte)'\n');
            if (newline < 0)
            {
                Append(bytes);
                return;
            }
            if (_lineLength == 0)
            {
                Line(bytes[..newline]);
            }
            else
            {
                Append(bytes[..newline]);
                Line(_line.AsSpan(0, _lineLength));
                _lineLength = 0;
            }
            bytes = bytes[(newline + 1)..];
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_lineLength + bytes.Length > _line.Length) Array.Resize(ref _line, Math.Max(_line.Length * 2, _lineLength + bytes.Length));
        bytes.CopyTo(_line.AsSpan(_lineLength));
        _lineLength += bytes.Length;
    }

    private void Line(ReadOnlySpan<byte> line)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];
        if (line.IsEmpty)
        {
            if (_hasMessage) subscriber.Received(_sequence, _timestamp);
            if (_isReset) subscriber.WasReset();
            _hasMessage = _isReset = false;
        }
        else if (line.StartsWith("data:"u8))
        {
            if (BenchMessageText.TryParse(line, out var sequence, out var timestamp))
            {
                _hasMessage = true;
                _sequence = sequence;
                _timestamp = timestamp;
            }
        }
        else if (line.StartsWith("id:"u8))
        {
            var id = line[3..];
            if (!id.IsEmpty && id[0] == (byte)' ') id = id[1..];
            _lastIdLength = Math.Min(id.Length, _lastId.Length);
            id[.._lastIdLength].CopyTo(_lastId);
        }
        else if (line.StartsWith("retry:"u8))
        {
            var value = line[6..].Trim((byte)' ');
            // As EventSource: only ASCII digits set it.
            if (!value.IsEmpty && value.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0 && int.TryParse(value, out var retry)) RetryMilliseconds = retry;
        }
        else if (line.StartsWith("event:"u8))
        {
            _isReset = line[6..].Trim((byte)' ').SequenceEqual("reset"u8);
        }
    }
}
