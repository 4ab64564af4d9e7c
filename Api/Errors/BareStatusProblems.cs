using GrainStream.Api.Sse;

namespace GrainStream.Api.Errors;

/// <summary>Gives an error status that left the pipeline without a body (an unknown route's 404, a
/// 405, a 400 that nothing explained) a problem-details body, as <c>UseStatusCodePages</c> would.
/// Its own because of the event streams, which answer their errors with bodies of their own and
/// then stay open for hours: it lets them pass without keeping anything per connection, where
/// UseStatusCodePages keeps a feature, an <c>Items</c> dictionary and its state machine for each.
/// Runs after routing, which tells it the endpoint.</summary>
internal sealed class BareStatusProblems(RequestDelegate next, IProblemDetailsService problems)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<EventStreamEndpoint>() is not null) return next(context);
        var running = next(context);
        if (!running.IsCompletedSuccessfully) return AfterAsync(running, context);
        return NeedsBody(context.Response) ? WriteAsync(context) : Task.CompletedTask;
    }

    private async Task AfterAsync(Task running, HttpContext context)
    {
        await running.ConfigureAwait(false);
        if (NeedsBody(context.Response)) await WriteAsync(context).ConfigureAwait(false);
    }

    private static bool NeedsBody(HttpResponse response)
        => !response.HasStarted
           && response.StatusCode is >= 400 and < 600
           && response.ContentLength is null
           && string.IsNullOrEmpty(response.ContentType);

    private Task WriteAsync(HttpContext context)
        => problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = context.Response.StatusCode },
        }).AsTask();
}
