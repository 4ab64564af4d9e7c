namespace GrainStream.Api.Auth;

/// <summary>Endpoint metadata: the topics a request touches, checked by <see cref="TopicAuthorizationFilter"/>
/// against the claim of its <see cref="TopicAction"/> (POST publishes, GET subscribes). Topics come from
/// the request once its route, query and body are bound and validated.</summary>
/// <param name="Topics">The topics of one request (<c>chat:lobby</c>); topics that do not parse are left
/// to the endpoint, which answers them 400.</param>
internal sealed record TopicRequirement(Func<EndpointFilterInvocationContext, IEnumerable<string>> Topics);

/// <summary>Endpoint metadata: a request field that names the caller (chat author, presence user, queue
/// consumer). In the Jwt mode it must be the token's subject, or the request is refused 403.</summary>
/// <param name="Field">The field's name, for the problem's detail.</param>
/// <param name="Names">The names the request gives (none when the field is absent).</param>
internal sealed record CallerRequirement(string Field, Func<EndpointFilterInvocationContext, IEnumerable<string>> Names);
