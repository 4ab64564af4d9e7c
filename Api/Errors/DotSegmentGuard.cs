using Microsoft.AspNetCore.Http.Features;

namespace GrainStream.Api.Errors;

/// <summary>Refuses a request whose raw path has a <c>.</c> or <c>..</c> segment (also
/// percent-encoded) with a 400 problem. Kestrel would otherwise resolve such segments before routing,
/// so <c>/api/logs/../x</c> would quietly become another URL; refusing it keeps the contract simple:
/// a key is never <c>..</c>, and a path that tries one is an error, not a redirect.</summary>
internal sealed class DotSegmentGuard(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is not null && HasDotSegment(raw))
        {
            return context.RequestServices.GetRequiredService<IProblemDetailsService>()
                .RefuseAsync(context, StatusCodes.Status400BadRequest, "Invalid path", "Path segments '.' and '..' are not allowed.");
        }
        return next(context);
    }

    internal static bool HasDotSegment(string rawTarget)
    {
        var path = rawTarget.AsSpan();
        var query = path.IndexOf('?');
        if (query >= 0) path = path[..query];
        foreach (var range in path.Split('/'))
        {
            var segment = path[range];
            if (segment.Length is 0 or > 6) continue;
            if (IsDots(segment)) return true;
        }
        return false;
    }

    // ".", "..", and their percent-encoded forms (%2e, %2E), mixed.
    private static bool IsDots(ReadOnlySpan<char> segment)
    {
        var dots = 0;
        for (var i = 0; i < segment.Length;)
        {
            if (segment[i] == '.')
            {
                i++;
            }
            else if (segment.Length - i >= 3 && segment[i] == '%' && segment[i + 1] == '2' && (segment[i + 2] is 'e' or 'E'))
            {
                i += 3;
            }
            else
            {
                return false;
            }
            dots++;
        }
        return dots is 1 or 2;
    }
}
