using GrainStream.Api.Sse;

namespace GrainStream.Api.Limits;

/// <summary>Admits an event stream only while its client holds fewer than
/// <see cref="SseOptions.MaxConnectionsPerClient"/>; otherwise 429 with <c>Retry-After</c>. Runs after
/// the key checks and before the handler, so a refused client touches no grain and no stream. The
/// slot goes to the <see cref="SseStreamResult"/>, which releases it when the stream ends; any other
/// answer (a 400, a 404, a 204) releases it at once. Only endpoints that can answer with an event
/// stream get the filter (decided once, when the endpoint is built).</summary>
internal static class SseAdmissionFilter
{
    public static EndpointFilterDelegate Create(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var limiter = context.ApplicationServices.GetRequiredService<SseClientLimiter>();
        if (limiter.Limit <= 0 || !Returns(context.MethodInfo.ReturnType, typeof(SseStreamResult))) return next;
        var retryAfter = TimeSpan.FromMilliseconds(context.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<SseOptions>>().Value.RetryMilliseconds);
        return async invocation =>
        {
            var http = invocation.HttpContext;
            if (limiter.TryAcquire(ClientKey.Of(http)) is not { } slot)
            {
                return TooManyRequests.Problem(http, retryAfter, "Too many event streams",
                    $"This client already holds {limiter.Limit} open event streams; close one or try again after Retry-After seconds.");
            }
            object? result;
            try
            {
                result = await next(invocation).ConfigureAwait(false);
            }
            catch
            {
                slot.Release();
                throw;
            }
            if (Unwrap(result) is SseStreamResult stream) stream.Hold(slot);
            else slot.Release();
            return result;
        };
    }

    /// <summary>The result inside <c>Results&lt;…&gt;</c>, which is what handlers return.</summary>
    private static object? Unwrap(object? result)
    {
        while (result is INestedHttpResult nested) result = nested.Result;
        return result;
    }

    /// <summary>True when <paramref name="type"/> is <paramref name="wanted"/> or wraps it (<c>Task&lt;Results&lt;…&gt;&gt;</c>).</summary>
    private static bool Returns(Type type, Type wanted)
        => type == wanted || (type.IsGenericType && type.GetGenericArguments().Any(argument => Returns(argument, wanted)));
}
