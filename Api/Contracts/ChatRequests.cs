using GrainStream.Api.Validation;
using GrainStream.Grains.Chat;

namespace GrainStream.Api.Contracts;

/// <summary>POST /api/chat/rooms/{room}/messages.</summary>
/// <param name="Author">Who writes (1-64 characters).</param>
/// <param name="Text">The message (1-4,000 characters; may span lines).</param>
/// <param name="ClientId">Optional idempotency key (1-128 characters): a repeated post returns the first message.</param>
public sealed record PostChatMessageRequest(string? Author, string? Text, string? ClientId) : IValidatedRequest
{
    void IValidatedRequest.Validate(ValidationErrors errors)
    {
        errors.Text("author", Author, ChatStreams.MaxAuthorLength);
        errors.Text("text", Text, ChatStreams.MaxTextLength);
        errors.Text("clientId", ClientId, 128, required: false); // ChatInput.MaxClientIdLength
    }
}

/// <summary>POST /api/chat/rooms/{room}/read.</summary>
/// <param name="User">Who read (a key).</param>
/// <param name="UpTo">The last message id read (≥ 0).</param>
public sealed record MarkReadRequest(string? User, long? UpTo) : IValidatedRequest
{
    void IValidatedRequest.Validate(ValidationErrors errors)
    {
        errors.Key("user", User);
        errors.Range("upTo", UpTo, 0, long.MaxValue, required: true);
    }
}

/// <summary>The query of GET /api/chat/rooms/{room}/messages.</summary>
/// <param name="After">Only messages with a greater id.</param>
/// <param name="Limit">At most this many (1-1,000; default 50).</param>
public sealed record ChatHistoryQuery(long? After, int? Limit) : IValidatedRequest
{
    /// <summary>The default page size.</summary>
    public const int DefaultLimit = 50;

    void IValidatedRequest.Validate(ValidationErrors errors)
    {
        errors.Range("after", After, 0, long.MaxValue);
        errors.Range("limit", Limit, 1, 1000);
    }
}
