namespace GrainStream.Api.Errors;

/// <summary>Refusing a request from a middleware, before any endpoint, with a problem body.</summary>
internal static class ProblemDetailsServiceExtensions
{
    /// <summary>Answers <paramref name="context"/> with <paramref name="status"/> and a problem of that
    /// status, <paramref name="title"/> and <paramref name="detail"/>.</summary>
    public static Task RefuseAsync(this IProblemDetailsService problems, HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }
}
