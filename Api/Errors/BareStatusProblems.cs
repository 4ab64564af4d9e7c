namespace GrainStream.Api.Errors;

/// <summary>Gives an error status that left the pipeline without a body (an unknown route's 404, a
/// 405, a 400 that nothing explained) a problem-details body, as <c>UseStatusCodePages</c> would.
/// Its own because every SSE request stays inside this middleware for the life of its connection:
/// UseStatusCodePages keeps a feature, an <c>Items</c> dictionary and a larger state machine alive
/// per request, this only its pending state machine.</summary>
internal sealed class BareStatusProblems(RequestDelegate next, IProblemDetailsService problems)
{
    public Task InvokeAsync(HttpContext context)
    {
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
