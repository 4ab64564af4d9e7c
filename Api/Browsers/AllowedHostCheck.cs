using GrainStream.Api.Errors;

namespace GrainStream.Api.Browsers;

/// <summary>Refuses (400 problem) a request whose <c>Host</c> header names a host that
/// <c>AllowedHosts</c> does not list: the defence against DNS rebinding and host-header tricks.
/// ASP.NET Core's own host filtering answers such a request with an HTML page, not the problem
/// details every other refusal gets, so this check takes its place (the framework's filter is set
/// to allow any host) and matches hosts the same way (<see cref="HostString.MatchesAny"/>: exact
/// names, <c>*.example.com</c>, the port ignored). A request without a Host (HTTP/1.0) passes, as
/// it does there by default.</summary>
internal sealed class AllowedHostCheck(RequestDelegate next, AllowedHosts hosts, IProblemDetailsService problems)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (hosts.Patterns is not { } patterns) return next(context);
        var host = context.Request.Headers.Host.ToString();
        if (host.Length == 0 || HostString.MatchesAny(host, patterns)) return next(context);
        return problems.RefuseAsync(context, StatusCodes.Status400BadRequest, "Host not allowed", $"This server does not serve the host '{host}' (AllowedHosts).");
    }
}
