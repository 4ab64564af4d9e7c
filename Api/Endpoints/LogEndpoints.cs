using System.Text;
using System.Text.Json;
using GrainStream.Api.Auth;
using GrainStream.Api.Contracts;
using GrainStream.Api.Sse;
using GrainStream.Grains.Logs;
using GrainStream.Streams;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Orleans;

namespace GrainStream.Api.Endpoints;

/// <summary><c>/api/logs</c>: the log files under the log root, appends, and live tails.</summary>
internal static class LogEndpoints
{
    public static IEndpointRouteBuilder MapLogEndpoints(this IEndpointRouteBuilder api)
    {
        var logs = api.MapGroup("/logs").WithTags("Logs");
        logs.MapGet("", List).WithSummary("The log files under the configured log root.");
        var file = logs.MapGroup("/{name}").RequireTopic("log", "name");
        file.MapPost("/lines", AppendLines)
            .Accepts<string[]>("application/json", "text/plain")
            .WithSummary("Appends lines (text/plain, one per line, or a JSON array of strings); 202.");
        file.MapGet("/events", Events).WithSummary("SSE: line {n, text} and rotated; ?tail=N replays the last N events first.");
        return api;
    }

    private static async Task<Ok<IReadOnlyList<LogFileInfo>>> List(IClusterClient cluster)
        => TypedResults.Ok(await cluster.GetGrain<ILogDirectoryGrain>(ILogDirectoryGrain.Key).List());

    private static async Task<Results<Accepted<AppendLinesResponse>, ProblemHttpResult>> AppendLines(string name, HttpRequest request, IClusterClient cluster)
    {
        MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType);
        IReadOnlyList<string> lines;
        if (contentType?.MediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase) == true)
        {
            lines = SplitLines(await ReadTextAsync(request, contentType.Encoding ?? Encoding.UTF8));
        }
        else if (contentType is not null && request.HasJsonContentType())
        {
            var array = await JsonSerializer.DeserializeAsync(request.Body, ApiJsonContext.Default.StringArray, request.HttpContext.RequestAborted);
            if (array is null || array.Any(line => line is null)) return Invalid("The body must be a JSON array of strings.");
            if (array.Any(line => line.AsSpan().ContainsAny('\r', '\n'))) return Invalid("A line must not contain line breaks; send one array element per line.");
            lines = array;
        }
        else
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported media type",
                detail: "Send text/plain (one line per line) or application/json (an array of strings).");
        }
        if (lines.Count == 0) return Invalid("There are no lines to append.");
        var appended = await cluster.GetGrain<ILogFileGrain>(name).Append(lines);
        return TypedResults.Accepted((string?)null, new AppendLinesResponse(appended));
    }

    private static async Task<Results<SseStreamResult, ProblemHttpResult>> Events(string name, [AsParameters] LogTailQuery query, HttpRequest request, IClusterClient cluster)
    {
        if (!LastEventId.TryReadToken(request, out var resume, out var problem)) return problem;
        // Decided before the log's grain, hub or rows are touched: a tail of an unknown file leaves nothing behind.
        if (await UnknownLog(cluster, name) is { } unknown) return unknown;
        var streamId = LogStreams.File(name);
        await cluster.GetGrain<ILogFileGrain>(name).EnsureWatching(query.Tail ?? 0);
        var after = resume;
        if (after is null && query.Tail is > 0 and var tail)
        {
            // The tail is the last N events of the log's stream (lines, and a 'rotated' where the file
            // was truncated, which explains why numbering restarts), clamped to the retained history.
            var stream = cluster.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetEventStream(streamId);
            var last = await stream.GetLastPositionAsync();
            var from = Math.Max(0, last.Sequence - tail);
            if (from > 0) from = Math.Max(from, (await stream.ReadAsync(from, 1)).FirstSequence - 1);
            after = new EventPosition(last.Epoch, from);
        }
        return new SseStreamResult([new SseSubscription(streamId, after)], announcePosition: resume is null);
    }

    /// <summary>A 404 when the log <paramref name="name"/> does not exist, else null; asks the
    /// directory grain (which keeps no state), since an API node need not see the log root itself.</summary>
    internal static async Task<ProblemHttpResult?> UnknownLog(IClusterClient cluster, string name)
        => await cluster.GetGrain<ILogDirectoryGrain>(ILogDirectoryGrain.Key).Exists(name)
            ? null
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"There is no log '{name}' under the log root.");

    /// <summary>Lines of a text body: split at LF, CRs dropped, and the empty line after a final line break ignored.</summary>
    internal static IReadOnlyList<string> SplitLines(string text)
    {
        if (text.Length == 0) return [];
        var lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        return lines[^1].Length == 0 ? lines[..^1] : lines;
    }

    private static async Task<string> ReadTextAsync(HttpRequest request, Encoding encoding)
    {
        using var reader = new StreamReader(request.Body, encoding, detectEncodingFromByteOrderMarks: false);
        return await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
    }

    private static ProblemHttpResult Invalid(string detail)
        => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid lines", detail: detail);
}
