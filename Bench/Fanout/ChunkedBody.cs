namespace GrainStream.Bench.Fanout;

/// <summary>Decodes an HTTP/1.1 chunked body as it arrives, in pieces of any size, handing each run
/// of payload bytes to a sink. Both servers send an event stream as one chunk per flush.</summary>
internal sealed class ChunkedBody
{
    private enum Part { Size, SizeExtension, SizeLf, Data, DataCr, DataLf, Ended }

    private Part _part = Part.Size;
    private long _remaining;

    /// <summary>True once the last (zero-size) chunk arrived.</summary>
    public bool Ended => _part == Part.Ended;

    /// <summary>Feeds received bytes; payload goes to <paramref name="sink"/>. False on a framing error.</summary>
    public bool Feed(ReadOnlySpan<byte> bytes, SseEventParser sink)
    {
        var i = 0;
        while (i < bytes.Length && _part != Part.Ended)
        {
            switch (_part)
            {
                case Part.Size:
                {
                    var b = bytes[i++];
                    var digit = HexValue(b);
                    if (digit >= 0) _remaining = _remaining * 16 + digit;
                    else if (b == (byte)';') _part = Part.SizeExtension;
                    else if (b == (byte)'\r') _part = Part.SizeLf;
                    else return false;
                    break;
                }
                case Part.SizeExtension:
                    if (bytes[i++] == (byte)'\r') _part = Part.SizeLf;
                    break;
                case Part.SizeLf:
                    if (bytes[i++] != (byte)'\n') return false;
                    _part = _remaining == 0 ? Part.Ended : Part.Data;
                    break;
                case Part.Data:
                {
                    var take = (int)Math.Min(_remaining, bytes.Length - i);
                    sink.Feed(bytes.Slice(i, take));
                    i += take;
                    _remaining -= take;
                    if (_remaining == 0) _part = Part.DataCr;
                    break;
                }
                case Part.DataCr:
                    if (bytes[i++] != (byte)'\r') return false;
                    _part = Part.DataLf;
                    break;
                case Part.DataLf:
                    if (bytes[i++] != (byte)'\n') return false;
                    _part = Part.Size;
                    break;
            }
        }
        return true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
