namespace GrainStream.Api.Auth;

/// <summary>What the operations endpoints (<c>/metrics</c>, <c>/dashboard</c>) require in the Jwt
/// mode: a token that may subscribe to their topic (<c>ops:metrics</c>, <c>ops:dashboard</c>; a
/// scraper's token holds <c>subscribe: "ops:metrics"</c>, an operator's <c>"ops:*"</c>). They show
/// every grain, stream and call of the cluster, so a topic token of a user does not open them.</summary>
public static class OperationsTopics
{
    /// <summary>The topic of the Prometheus scraping endpoint.</summary>
    public const string Metrics = "ops:metrics";

    /// <summary>The topic of the Orleans Dashboard.</summary>
    public const string Dashboard = "ops:dashboard";

    /// <summary>The name of the authorization policy that requires subscribe on <paramref name="topic"/>.</summary>
    public static string Policy(string topic) => "subscribe " + topic;
}
