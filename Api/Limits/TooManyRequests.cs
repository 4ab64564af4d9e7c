using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrainStream.Api.Limits;

/// <summary>The answer of every per-client limit: 429, <c>Retry-After</c> in whole seconds (at least 1),
/// and a problem saying which limit. A <see cref="ProblemHttpResult"/>, which writes the problem
/// whatever the request accepts (an <c>EventSource</c> accepts only <c>text/event-stream</c>).</summary>
internal static class TooManyRequests
{
    public static ProblemHttpResult Problem(HttpContext context, TimeSpan retryAfter, string title, string detail)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: title, detail: detail);
    }
}
