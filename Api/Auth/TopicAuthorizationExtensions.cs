namespace GrainStream.Api.Auth;

/// <summary>Declares what an endpoint or a group of endpoints touches, for <see cref="TopicAuthorizationFilter"/>.
/// No effect in the Anonymous mode.</summary>
internal static class TopicAuthorizationExtensions
{
    /// <summary>Every endpoint of the group touches the topic <c>{kind}:{route value}</c>, e.g.
    /// <c>chat:{room}</c> for <c>/chat/rooms/{room}</c>.</summary>
    public static TBuilder RequireTopic<TBuilder>(this TBuilder builder, string kind, string routeKey) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(new TopicRequirement(context =>
            context.HttpContext.Request.RouteValues.TryGetValue(routeKey, out var value) && value is string key ? [kind + ":" + key] : []));

    /// <summary>The endpoint touches the topic <c>{kind}:{key}</c> with the key taken from its bound body.</summary>
    public static RouteHandlerBuilder RequireTopic<TBody>(this RouteHandlerBuilder builder, string kind, Func<TBody, string> key)
        => builder.WithMetadata(new TopicRequirement(context => Argument<TBody>(context) is { } body ? [kind + ":" + key(body)] : []));

    /// <summary>The endpoint touches the topics <paramref name="topics"/> finds in the request.</summary>
    public static RouteHandlerBuilder RequireTopics(this RouteHandlerBuilder builder, Func<HttpRequest, IEnumerable<string>> topics)
        => builder.WithMetadata(new TopicRequirement(context => topics(context.HttpContext.Request)));

    /// <summary>The query parameter <paramref name="name"/> names the caller.</summary>
    public static RouteHandlerBuilder CallerInQuery(this RouteHandlerBuilder builder, string name)
        => builder.WithMetadata(new CallerRequirement(name, context => context.HttpContext.Request.Query[name].OfType<string>()));

    /// <summary>A field of the bound body names the caller.</summary>
    public static RouteHandlerBuilder CallerInBody<TBody>(this RouteHandlerBuilder builder, string field, Func<TBody, string?> name)
        => builder.WithMetadata(new CallerRequirement(field, context => Argument<TBody>(context) is { } body && name(body) is { } caller ? [caller] : []));

    /// <summary>Callers named by whatever <paramref name="names"/> finds in the request.</summary>
    public static RouteHandlerBuilder Callers(this RouteHandlerBuilder builder, string field, Func<HttpRequest, IEnumerable<string>> names)
        => builder.WithMetadata(new CallerRequirement(field, context => names(context.HttpContext.Request)));

    private static TBody? Argument<TBody>(EndpointFilterInvocationContext context)
    {
        foreach (var argument in context.Arguments)
        {
            if (argument is TBody body) return body;
        }
        return default;
    }
}
