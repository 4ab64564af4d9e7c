namespace GrainStream.Api.Validation;

/// <summary>Runs <see cref="IValidatedRequest.Validate"/> on every argument of an endpoint that is a
/// validated request (a JSON body or an <c>[AsParameters]</c> query) and answers 400 with a
/// validation problem listing each field's errors: the one place where request shapes are checked.
/// Endpoints without such arguments get no filter at all (decided once, when the endpoint is built).</summary>
internal static class RequestValidationFilter
{
    public static EndpointFilterDelegate Create(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var indices = context.MethodInfo.GetParameters()
            .Select((parameter, index) => (parameter, index))
            .Where(p => typeof(IValidatedRequest).IsAssignableFrom(p.parameter.ParameterType))
            .Select(p => p.index)
            .ToArray();
        if (indices.Length == 0) return next;
        return invocation =>
        {
            ValidationErrors? errors = null;
            foreach (var index in indices)
            {
                if (invocation.Arguments[index] is IValidatedRequest request)
                {
                    errors ??= new ValidationErrors();
                    request.Validate(errors);
                }
            }
            if (errors is { IsEmpty: false })
            {
                return ValueTask.FromResult<object?>(TypedResults.ValidationProblem(errors.ToDictionary(), detail: "The request is not valid; see errors.", title: "Invalid request"));
            }
            return next(invocation);
        };
    }
}
