using GrainStream.Api.Errors;
using Microsoft.Extensions.Options;

namespace GrainStream.Api.Browsers;

/// <summary>Refuses (403 problem) a state-changing request (POST, PUT, PATCH, DELETE) that a browser
/// sends from a page of another origin that <c>Cors:AllowedOrigins</c> does not list. CORS alone does
/// not stop such requests: a text/plain POST (a log append) or a bodiless POST (a cancel) is a "simple"
/// request that the browser sends without asking first, and with the user's cookie. Requests without an
/// <c>Origin</c> header (curl, servers, same-origin GETs) pass. Same origin means the same host and port
/// as the request's <c>Host</c>; the scheme is not compared, so a TLS-terminating proxy in front works.</summary>
internal sealed class OriginCheck(RequestDelegate next, IOptions<CorsSettings> cors, IProblemDetailsService problems)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)) return next(context);
        if (request.Headers.Origin is not [{ } origin]) return request.Headers.Origin.Count == 0 ? next(context) : RefuseAsync(context, request.Headers.Origin.ToString());
        if (IsSameHost(origin, request.Host) || cors.Value.Allows(origin)) return next(context);
        return RefuseAsync(context, origin);
    }

    private static bool IsSameHost(string origin, HostString host)
        => Uri.TryCreate(origin, UriKind.Absolute, out var uri)
           && host.HasValue
           && uri.Authority.Equals(host.Value, StringComparison.OrdinalIgnoreCase);

    private Task RefuseAsync(HttpContext context, string origin)
        => problems.RefuseAsync(context, StatusCodes.Status403Forbidden, "Cross-origin request refused",
            $"A {context.Request.Method} from a page of '{origin}' is refused: that origin is not this host and not in Cors:AllowedOrigins.");
}
