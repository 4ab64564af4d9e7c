using GrainStream.Api.Auth;
using GrainStream.Api.Validation;
using GrainStream.Grains.Chat;

namespace GrainStream.Api.Contracts;

/// <summary>POST /auth/dev-token (only with <c>Auth:DevTokens=true</c>).</summary>
/// <param name="Subject">The token's subject: the chat author, presence user and queue consumer it acts as (a key of 1-64 characters).</param>
/// <param name="Publish">Topic patterns it may publish to (default <c>*</c>: all).</param>
/// <param name="Subscribe">Topic patterns it may subscribe to (default <c>*</c>: all).</param>
/// <param name="LifetimeSeconds">How long it lives (1 s up to <c>Auth:DevTokenLifetime</c>, the default).</param>
public sealed record DevTokenRequest(string? Subject, IReadOnlyList<string>? Publish, IReadOnlyList<string>? Subscribe, int? LifetimeSeconds) : IValidatedRequest
{
    void IValidatedRequest.Validate(ValidationErrors errors)
    {
        errors.Key("subject", Subject);
        if (Subject is { Length: > ChatStreams.MaxAuthorLength }) errors.Add("subject", $"'subject' must be at most {ChatStreams.MaxAuthorLength} characters (it is the chat author).");
        Patterns(errors, "publish", Publish);
        Patterns(errors, "subscribe", Subscribe);
        errors.Range("lifetimeSeconds", LifetimeSeconds, 1, int.MaxValue);
    }

    private static void Patterns(ValidationErrors errors, string field, IReadOnlyList<string>? patterns)
    {
        if (patterns is null) return;
        if (patterns.Count > 64) errors.Add(field, $"At most 64 patterns in '{field}'.");
        else if (patterns.Any(p => string.IsNullOrEmpty(p) || p.Length > 300 || p.AsSpan().ContainsAny(' ', '\t'))) errors.Add(field, $"Each pattern in '{field}' is 1-300 characters without spaces ({nameof(TopicPattern)}: chat:*, stock:ACME).");
    }
}

/// <summary>A development token.</summary>
/// <param name="Token">The JWT, for <c>Authorization: Bearer</c> or <c>?access_token=</c>.</param>
/// <param name="Subject">Its subject.</param>
/// <param name="ExpiresAt">When it expires.</param>
public sealed record DevTokenResponse(string Token, string Subject, DateTimeOffset ExpiresAt);

/// <summary>GET /auth/config: what a browser needs to know to call the API.</summary>
/// <param name="Mode"><c>Anonymous</c> or <c>Jwt</c>.</param>
/// <param name="DevTokens">True when <c>POST /auth/dev-token</c> exists.</param>
public sealed record AuthConfig(string Mode, bool DevTokens);
