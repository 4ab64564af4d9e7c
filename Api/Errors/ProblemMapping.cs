using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using GrainStream.Persistence;
using GrainStream.Streams;
using Orleans.Runtime;

namespace GrainStream.Api.Errors;

/// <summary>Turns an exception into an RFC 9457 problem with the status it deserves. Grains signal bad
/// input with <see cref="ArgumentException"/> (it reaches the API as the same type, or as a
/// <see cref="RemoteGrainException"/> naming it when the type could not be recreated), so a grain's
/// validation message becomes the problem's detail. Anything unexpected is a 500 without details.</summary>
internal sealed class ProblemMapping(IProblemDetailsService problems, ILogger<ProblemMapping> logger) : IExceptionHandler
{
    /// <summary>The <c>Retry-After</c> of a 503, in seconds: about the time a failover takes.</summary>
    internal const string RetryAfterSeconds = "2";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client is gone; there is nobody to answer.
            return true;
        }
        exception = Cause(exception);
        var (status, title) = Map(exception);
        // A 503 is the cluster failing over or busy, which clients ride out, and a 507 the operator's
        // to fix (free space): warnings. Anything else from 500 up is a fault of ours.
        if (status is StatusCodes.Status503ServiceUnavailable or StatusCodes.Status507InsufficientStorage) logger.LogWarning(exception, "Request {Method} {Path} answered {Status} ({Title})", httpContext.Request.Method, httpContext.Request.Path, status, title);
        else if (status >= 500) logger.LogError(exception, "Request {Method} {Path} failed", httpContext.Request.Method, httpContext.Request.Path);
        else logger.LogDebug(exception, "Request {Method} {Path} refused with {Status}", httpContext.Request.Method, httpContext.Request.Path, status);

        httpContext.Response.StatusCode = status;
        // Unavailability is temporary (failover takes seconds): say when to come back.
        if (status == StatusCodes.Status503ServiceUnavailable) httpContext.Response.Headers.RetryAfter = RetryAfterSeconds;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = status,
                Title = title,
                // ASP.NET Core knows no reference for 507 (it comes from WebDAV).
                Type = status == StatusCodes.Status507InsufficientStorage ? "https://tools.ietf.org/html/rfc4918#section-11.5" : null,
                Detail = status switch
                {
                    StatusCodes.Status500InternalServerError => "An unexpected error occurred.",
                    StatusCodes.Status507InsufficientStorage => "The server's storage is full: nothing new can be stored until space is freed.",
                    _ => exception.Message,
                },
            },
        }).ConfigureAwait(false);
    }

    /// <summary>The exception the answer is about, under the wrappers that say nothing of their own:
    /// its type decides the status and its message is the detail.</summary>
    internal static Exception Cause(Exception exception)
    {
        // Body binding reports a body that turned out too large (chunked, so Kestrel found out while
        // reading) as a generic 400 wrapping Kestrel's 413; the client deserves the 413.
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }) return inner;
        }
        // Orleans wraps what a storage provider throws (a fenced write, the database unavailable) in a
        // plain OrleansException.
        while (exception.GetType() == typeof(OrleansException) && exception.InnerException is { } cause) exception = cause;
        return exception;
    }

    /// <summary>The status and title for an exception (a <see cref="Cause"/>).</summary>
    internal static (int Status, string Title) Map(Exception exception) => exception switch
    {
        // Before the types below: a full disk shows as the store's own exception (SQLite, Npgsql, IO).
        _ when StorageErrors.IsFull(exception) => (StatusCodes.Status507InsufficientStorage, "Insufficient storage"),
        // Another process holds the SQLite file's lock (a backup, a shell): it lets go eventually.
        _ when StorageErrors.IsBusy(exception) => (StatusCodes.Status503ServiceUnavailable, "The database is busy"),
        BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => "Request body too large",
            StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
            _ => "Bad request",
        }),
        ArgumentException => (StatusCodes.Status400BadRequest, "Invalid argument"),
        JsonException => (StatusCodes.Status400BadRequest, "Malformed JSON"),
        FormatException => (StatusCodes.Status400BadRequest, "Malformed value"),
        KeyNotFoundException or FileNotFoundException or DirectoryNotFoundException => (StatusCodes.Status404NotFound, "Not found"),
        ObjectDisposedException => (StatusCodes.Status503ServiceUnavailable, "Shutting down"),
        // Grains refuse an operation their state does not allow (e.g. a full queue) this way.
        InvalidOperationException => (StatusCodes.Status409Conflict, "Conflict"),
        UnauthorizedAccessException => (StatusCodes.Status403Forbidden, "Forbidden"),
        // A call lost with a failing silo or gateway times out: the client should try again soon
        // (with its clientId, a retry of what did commit returns the first result).
        TimeoutException => (StatusCodes.Status503ServiceUnavailable, "The cluster did not answer in time"),
        Orleans.Storage.InconsistentStateException => (StatusCodes.Status409Conflict, "Conflict"),
        OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException or GatewayTooBusyException or ClientNotAvailableException
            => (StatusCodes.Status503ServiceUnavailable, "The cluster is unavailable"),
        // A silo the cluster declared dead was refused a write, or two activations of one entity met at
        // its stream during a failover (the stale one leaves): the next attempt finds the survivor.
        GrainStream.Persistence.Postgres.SiloFencedException or StreamPositionConflictException or EventLogConflictException
            => (StatusCodes.Status503ServiceUnavailable, "The cluster is failing over"),
        Npgsql.NpgsqlException => (StatusCodes.Status503ServiceUnavailable, "The database is unavailable"),
        // An exception type the caller's process cannot load travels as its type name.
        Orleans.Serialization.UnavailableExceptionFallbackException remote => MapRemote(remote.ExceptionType ?? ""),
        _ => (StatusCodes.Status500InternalServerError, "Internal server error"),
    };

    private static (int, string) MapRemote(string typeName) => typeName switch
    {
        "System.ArgumentException" or "System.ArgumentNullException" or "System.ArgumentOutOfRangeException" => (StatusCodes.Status400BadRequest, "Invalid argument"),
        "System.Collections.Generic.KeyNotFoundException" or "System.IO.FileNotFoundException" => (StatusCodes.Status404NotFound, "Not found"),
        "System.InvalidOperationException" => (StatusCodes.Status409Conflict, "Conflict"),
        "System.UnauthorizedAccessException" => (StatusCodes.Status403Forbidden, "Forbidden"),
        "System.TimeoutException" => (StatusCodes.Status503ServiceUnavailable, "The cluster did not answer in time"),
        "GrainStream.Persistence.Postgres.SiloFencedException" or "GrainStream.Streams.StreamPositionConflictException" or "GrainStream.Streams.EventLogConflictException" => (StatusCodes.Status503ServiceUnavailable, "The cluster is failing over"),
        "Npgsql.NpgsqlException" or "Npgsql.PostgresException" => (StatusCodes.Status503ServiceUnavailable, "The database is unavailable"),
        _ => (StatusCodes.Status500InternalServerError, "Internal server error"),
    };
}
