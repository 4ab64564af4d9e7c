using System.Text.Json;
using GrainStream.Api.Validation;

namespace GrainStream.Api.Contracts;

/// <summary>POST /api/queues/{queue}/messages.</summary>
/// <param name="Body">The message (any JSON but null).</param>
public sealed record EnqueueMessageRequest(JsonElement? Body) : IValidatedRequest
{
    void IValidatedRequest.Validate(ValidationErrors errors)
    {
        if (Body is not { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined }) errors.Add("body", "'body' is required.");
    }
}

/// <summary>The answer to an enqueue.</summary>
/// <param name="Id">The message id.</param>
public sealed record EnqueueMessageResponse(long Id);

/// <summary>POST /api/queues/{queue}/ack.</summary>
/// <param name="Consumer">The consumer the messages were delivered to (a key).</param>
/// <param name="Ids">The message ids (1-1,000 of them, each ≥ 1).</param>
public sealed record AckMessagesRequest(string? Consumer, IReadOnlyList<long>? Ids) : IValidatedRequest
{
    void IValidatedRequest.Validate(ValidationErrors errors)
    {
        errors.Key("consumer", Consumer);
        if (Ids is null || Ids.Count == 0) errors.Add("ids", "'ids' must list at least one message id.");
        else if (Ids.Count > 1000) errors.Add("ids", "At most 1,000 ids per ack.");
        else if (Ids.Any(id => id < 1)) errors.Add("ids", "Message ids are ≥ 1.");
    }
}
