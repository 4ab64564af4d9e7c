using System.Diagnostics.CodeAnalysis;
using GrainStream.Streams;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrainStream.Api.Sse;

/// <summary>Where a client asks to resume: the <c>Last-Event-ID</c> header (what EventSource sends
/// on reconnect) or else the <c>lastEventId</c> query parameter (for a page's first connection).</summary>
internal static class LastEventId
{
    /// <summary>The query parameter.</summary>
    public const string QueryName = "lastEventId";

    /// <summary>The raw id, header first; null when neither is given (or both are empty).</summary>
    public static string? Read(HttpRequest request)
    {
        var header = request.Headers["Last-Event-ID"].ToString();
        if (!string.IsNullOrEmpty(header)) return header;
        var query = request.Query[QueryName].ToString();
        return string.IsNullOrEmpty(query) ? null : query;
    }

    /// <summary>Reads a single-stream id (<c>epoch-sequence</c>); false with a 400 problem when malformed.</summary>
    public static bool TryReadToken(HttpRequest request, out EventPosition? token, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        token = null;
        problem = null;
        var raw = Read(request);
        if (raw is null) return true;
        if (EventPosition.TryParse(raw.Trim(), out var parsed))
        {
            token = parsed;
            return true;
        }
        problem = Malformed(raw);
        return false;
    }

    /// <summary>The 400 problem for an id that is not one of ours.</summary>
    public static ProblemHttpResult Malformed(string raw) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: "Malformed Last-Event-ID",
        detail: $"'{Shorten(raw)}' is not an event id of this stream; reconnect without Last-Event-ID (or lastEventId) to start live.");

    private static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
