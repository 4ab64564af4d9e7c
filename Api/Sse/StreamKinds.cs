using System.Text.Json;
using GrainStream.Grains.Stocks;
using GrainStream.Grains.Tasks;
using GrainStream.Streams;
using Orleans.Runtime;

namespace GrainStream.Api.Sse;

/// <summary>What the relay needs to know about a stream's events beyond their bytes, decided once
/// per stream or once per event (never per connection).</summary>
internal static class StreamKinds
{
    private static readonly string StockNamespace = StockStreams.Symbol("x").Namespace();
    private static readonly string TaskNamespace = TaskStreams.Task("x").Namespace();

    /// <summary>Latest-wins streams (quotes): a slow connection skips to newer frames instead of
    /// being cut off.</summary>
    public static bool IsLatestWins(StreamId streamId) => streamId.Namespace() == StockNamespace;

    /// <summary>The topic of a stream as <c>/api/events</c> names it: <c>namespace:key</c>.</summary>
    public static string Topic(StreamId streamId) => string.Concat(streamId.Namespace(), ":", streamId.Key());

    /// <summary>True for a task's <c>status</c> event with a terminal status: a single-task event
    /// stream ends after it (the client's reconnect then gets 204 and stops).</summary>
    public static bool EndsStream(StreamEvent streamEvent)
        => streamEvent.StreamId.Namespace() == TaskNamespace && streamEvent.EventName == "status" && IsTerminalStatus(streamEvent.Payload.Span);

    private static bool IsTerminalStatus(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isStatus = reader.ValueTextEquals("status"u8);
                if (!reader.Read()) return false;
                if (isStatus)
                {
                    return reader.TokenType == JsonTokenType.String
                        && (reader.ValueTextEquals("succeeded"u8) || reader.ValueTextEquals("failed"u8) || reader.ValueTextEquals("cancelled"u8));
                }
                reader.Skip();
            }
            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
