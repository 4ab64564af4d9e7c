using GrainStream.Grains;

namespace GrainStream.Api.Validation;

/// <summary>Checks every entity key of a request against <see cref="EntityKey"/> before the endpoint
/// runs: the route values <c>room</c>, <c>symbol</c>, <c>id</c>, <c>name</c> and <c>queue</c> and the
/// query parameters <c>user</c> and <c>consumer</c>. A bad key (a separator, <c>..</c>, an encoded
/// slash that routing left in place, too long) is a 400 problem naming the parameter, so no grain
/// and no file name ever sees it.</summary>
internal sealed class KeyValidationFilter : IEndpointFilter
{
    private static readonly string[] RouteKeys = ["room", "symbol", "id", "name", "queue"];
    private static readonly string[] QueryKeys = ["user", "consumer"];

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        foreach (var name in RouteKeys)
        {
            if (request.RouteValues.TryGetValue(name, out var value) && !EntityKey.IsValid(value as string)) return Invalid(name, "route");
        }
        foreach (var name in QueryKeys)
        {
            if (request.Query.TryGetValue(name, out var values) && (values.Count != 1 || !EntityKey.IsValid(values[0]))) return Invalid(name, "query");
        }
        return next(context);
    }

    private static ValueTask<object?> Invalid(string name, string where)
        => ValueTask.FromResult<object?>(TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [name] = [$"'{name}' must match {EntityKey.Pattern} and not be '.' or '..'."] },
            detail: $"The {where} parameter '{name}' is not a valid key: 1-128 of A-Z a-z 0-9 . _ -, and not '.' or '..'.",
            title: "Invalid key"));
}
