namespace GrainStream.Api.Auth;

/// <summary>The 401 and 403 answers of the Jwt mode, as problem details.</summary>
internal static class AuthProblems
{
    /// <summary>403: the token's claim for <paramref name="action"/> does not cover <paramref name="topic"/>.</summary>
    public static ValueTask<object?> NotCovered(TopicAction action, string topic)
        => Forbidden($"The token's '{TopicClaims.For(action)}' claim does not cover the topic '{topic}'.");

    /// <summary>403: the request names a caller other than the token's subject.</summary>
    public static ValueTask<object?> NotTheSubject(string field, string name, string? subject)
        => Forbidden($"'{field}' is '{name}', but the token's subject is '{subject}': with a token, '{field}' must be its subject.");

    private static ValueTask<object?> Forbidden(string detail)
        => ValueTask.FromResult<object?>(TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail));

    /// <summary>Writes the 401 of a request without a valid token, with <c>WWW-Authenticate</c> (RFC 6750).</summary>
    public static Task WriteUnauthorizedAsync(HttpContext http, string? error, string? description)
    {
        var detail = description ?? "This call needs a token: an Authorization: Bearer header, the token cookie, or an access_token query parameter.";
        http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        http.Response.Headers.WWWAuthenticate = error is null
            ? "Bearer realm=\"grainstream\""
            : $"Bearer realm=\"grainstream\", error=\"{error}\", error_description=\"{description?.Replace("\"", "'", StringComparison.Ordinal)}\"";
        return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail).ExecuteAsync(http);
    }
}
