using Microsoft.Extensions.Options;

namespace GrainStream.Api.Auth;

/// <summary>In the Jwt mode, refuses (403 problem) a request whose token does not cover every topic
/// the endpoint declares (<see cref="TopicRequirement"/>: POST needs <c>publish</c>, GET
/// <c>subscribe</c>), or that names a caller other than the token's subject (<see cref="CallerRequirement"/>).
/// Authentication itself (401) happened before, in the authorization middleware. In the Anonymous
/// mode the filter is not installed at all.</summary>
internal static class TopicAuthorizationFilter
{
    public static EndpointFilterDelegate Create(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        if (context.ApplicationServices.GetRequiredService<IOptions<AuthOptions>>().Value.Mode != AuthMode.Jwt) return next;
        return invocation =>
        {
            var http = invocation.HttpContext;
            if (http.GetEndpoint()?.Metadata is not { } metadata) return next(invocation);
            var user = http.User;
            var action = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) ? TopicAction.Subscribe : TopicAction.Publish;
            foreach (var requirement in metadata.GetOrderedMetadata<TopicRequirement>())
            {
                foreach (var topic in requirement.Topics(invocation))
                {
                    if (!TopicClaims.Allows(user, action, topic)) return AuthProblems.NotCovered(action, topic);
                }
            }
            var subject = TopicClaims.SubjectOf(user);
            foreach (var requirement in metadata.GetOrderedMetadata<CallerRequirement>())
            {
                foreach (var name in requirement.Names(invocation))
                {
                    if (!string.Equals(name, subject, StringComparison.Ordinal)) return AuthProblems.NotTheSubject(requirement.Field, name, subject);
                }
            }
            return next(invocation);
        };
    }
}
