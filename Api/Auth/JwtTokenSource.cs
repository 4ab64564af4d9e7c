using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace GrainStream.Api.Auth;

/// <summary>Where a token comes from when the request has no <c>Authorization: Bearer</c> header:
/// the token cookie, then the <c>access_token</c> query parameter (EventSource cannot set headers).</summary>
internal static class JwtTokenSource
{
    /// <summary>The query parameter of EventSource clients.</summary>
    public const string QueryParameter = "access_token";

    /// <summary>Sets <see cref="MessageReceivedContext.Token"/> from the cookie or the query when the header gave none.</summary>
    public static Task OnMessageReceived(MessageReceivedContext context, string cookieName)
    {
        var request = context.Request;
        if (request.Headers.Authorization.Count > 0) return Task.CompletedTask; // the handler reads the header itself
        if (request.Cookies.TryGetValue(cookieName, out var cookie) && !string.IsNullOrEmpty(cookie)) context.Token = cookie;
        else if (request.Query[QueryParameter] is [{ Length: > 0 } query]) context.Token = query;
        return Task.CompletedTask;
    }
}
