using System.Diagnostics;
using GrainStream.Api.Sse;

namespace GrainStream.Api.Diagnostics;

/// <summary>One compact log line per request at Information (category <see cref="Category"/>):
/// method, path, status and duration. Outermost in the pipeline, so the status is the final one
/// (after exceptions were turned into problems). Off (a pass-through) unless the category logs at
/// Information.</summary>
/// <remarks>An event stream is logged once it is live, with the time it took to go live, and is
/// then left alone: awaiting it would keep this middleware's state machine for the stream's whole
/// life (ASP.NET Core's own hosting logs keep an <c>Activity</c> and a log scope, ~0.6 KB per open
/// stream, which is why they are off). Only a stream whose response has not started when the
/// pipeline first yields (its relay is still subscribing) is logged from an <c>OnStarting</c>
/// callback, which Kestrel drops once it has run.</remarks>
internal sealed partial class RequestLogging(RequestDelegate next, ILoggerFactory loggers)
{
    /// <summary>The log category of the request lines.</summary>
    public const string Category = "GrainStream.Api.Requests";

    private readonly ILogger _logger = loggers.CreateLogger(Category);

    public Task InvokeAsync(HttpContext context)
    {
        if (!_logger.IsEnabled(LogLevel.Information)) return next(context);
        var started = Stopwatch.GetTimestamp();
        Task running;
        try
        {
            running = next(context);
        }
        catch
        {
            LogFailed(context, started);
            throw;
        }
        if (running.IsCompletedSuccessfully)
        {
            Log(context, started);
            return running;
        }
        // Routing ran before the pipeline first yielded, so the endpoint is known by now.
        if (!running.IsCompleted && context.GetEndpoint()?.Metadata.GetMetadata<EventStreamEndpoint>() is not null)
        {
            if (context.Response.HasStarted) LogStream(context, started);
            else context.Response.OnStarting(static state => ((StreamStart)state).Log(), new StreamStart(this, context, started));
            return running;
        }
        return AfterAsync(running, context, started);
    }

    private async Task AfterAsync(Task running, HttpContext context, long started)
    {
        try
        {
            await running.ConfigureAwait(false);
        }
        catch
        {
            LogFailed(context, started);
            throw;
        }
        Log(context, started);
    }

    private void Log(HttpContext context, long started)
        => LogRequest(context.Request.Method, context.Request.Path.ToUriComponent(), context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);

    private void LogStream(HttpContext context, long started)
        => LogStreamOpened(context.Request.Method, context.Request.Path.ToUriComponent(), context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);

    // An exception nothing turned into a response: the server answers 500 (or drops the connection once started).
    private void LogFailed(HttpContext context, long started)
        => LogRequest(context.Request.Method, context.Request.Path.ToUriComponent(), StatusCodes.Status500InternalServerError, Stopwatch.GetElapsedTime(started).TotalMilliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} {StatusCode} {ElapsedMilliseconds:0.0} ms")]
    private partial void LogRequest(string method, string path, int statusCode, double elapsedMilliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} {StatusCode} event stream, live after {ElapsedMilliseconds:0.0} ms")]
    private partial void LogStreamOpened(string method, string path, int statusCode, double elapsedMilliseconds);

    /// <summary>What an event stream's deferred log line needs, held only until its response starts.</summary>
    private sealed class StreamStart(RequestLogging owner, HttpContext context, long started)
    {
        public Task Log()
        {
            // A stream that failed before going live answers with a problem, not an event stream.
            if (context.Response.ContentType?.StartsWith("text/event-stream", StringComparison.Ordinal) == true) owner.LogStream(context, started);
            else owner.Log(context, started);
            return Task.CompletedTask;
        }
    }
}
