using System.Net.Sockets;
using System.Text;

namespace GrainStream.Tests.Api;

/// <summary>Reads an HTTP/1.1 event-stream response from a raw socket as the wire carries it: the
/// head, then the chunked body, checking every chunk's framing (size line, exactly that many bytes,
/// CRLF), then the SSE events in it. A corrupted interleaving of two writers fails here.</summary>
internal sealed class ChunkedEventStreamReader(Socket socket)
{
    private readonly byte[] _buffer = new byte[8192];
    private readonly List<byte> _pending = [];
    private readonly StringBuilder _body = new();
    private int _bodyRead;

    /// <summary>The response head (status line and headers).</summary>
    public string Head { get; private set; } = "";

    /// <summary>Reads until <paramref name="enough"/> holds for the events parsed so far (each: its
    /// fields, e.g. <c>id</c>, <c>event</c>, <c>data</c>), within <paramref name="timeout"/>.</summary>
    public async Task<List<Dictionary<string, string>>> ReadUntilAsync(Func<List<Dictionary<string, string>>, bool> enough, TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        var events = new List<Dictionary<string, string>>();
        while (true)
        {
            if (Head.Length == 0) TryReadHead();
            if (Head.Length > 0) ReadChunks();
            ParseEvents(events);
            if (enough(events)) return events;
            int read;
            try
            {
                read = await socket.ReceiveAsync(_buffer, SocketFlags.None, limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Only {events.Count} events arrived within {timeout}.");
            }
            if (read == 0) throw new InvalidOperationException($"The server closed the connection after {events.Count} events.");
            _pending.AddRange(_buffer.AsSpan(0, read));
        }
    }

    private void TryReadHead()
    {
        var text = Encoding.ASCII.GetString([.. _pending]);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return;
        Head = text[..end];
        Assert.StartsWith("HTTP/1.1 200", Head);
        Assert.Contains("Transfer-Encoding: chunked", Head, StringComparison.OrdinalIgnoreCase);
        _pending.RemoveRange(0, end + 4);
    }

    private void ReadChunks()
    {
        while (true)
        {
            var lineEnd = IndexOfCrLf();
            if (lineEnd < 0) return;
            var sizeLine = Encoding.ASCII.GetString([.. _pending.GetRange(0, lineEnd)]);
            Assert.True(int.TryParse(sizeLine, System.Globalization.NumberStyles.HexNumber, null, out var size) && size >= 0,
                $"Not a chunk size line: '{Printable(sizeLine)}' after {_bodyRead} body bytes");
            if (_pending.Count < lineEnd + 2 + size + 2) return;
            var data = _pending.GetRange(lineEnd + 2, size).ToArray();
            Assert.True(_pending[lineEnd + 2 + size] == '\r' && _pending[lineEnd + 3 + size] == '\n',
                $"A chunk of {size} bytes does not end with CRLF after {_bodyRead} body bytes");
            _pending.RemoveRange(0, lineEnd + 2 + size + 2);
            _bodyRead += size;
            _body.Append(Encoding.UTF8.GetString(data));
        }
    }

    private int IndexOfCrLf()
    {
        for (var i = 0; i + 1 < _pending.Count; i++)
        {
            if (_pending[i] == '\r' && _pending[i + 1] == '\n') return i;
        }
        return -1;
    }

    private void ParseEvents(List<Dictionary<string, string>> events)
    {
        while (true)
        {
            var text = _body.ToString();
            var end = text.IndexOf("\n\n", StringComparison.Ordinal);
            if (end < 0) return;
            var fields = new Dictionary<string, string>();
            foreach (var line in text[..end].Split('\n'))
            {
                if (line.Length == 0 || line[0] == ':') continue;
                var colon = line.IndexOf(':');
                var name = colon < 0 ? line : line[..colon];
                var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
                fields[name] = fields.TryGetValue(name, out var before) ? before + "\n" + value : value;
            }
            if (fields.Count > 0) events.Add(fields);
            _body.Remove(0, end + 2);
        }
    }

    private static string Printable(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
