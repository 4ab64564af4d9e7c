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
/// <param name="Ids">The message ids (each ≥ 1).</param>
/// <param name="Receipts">The deliveries' receipts; together with <paramref name="Ids"/> 1-1,000 of them.</param>
public sealed record AckMessagesRequest(string? Consumer, IReadOnlyList<long>? Ids, IReadOnlyList<string>? Receipts = null) : IValidatedRequest, IDeliveryReferences
{
    void IValidatedRequest.Validate(ValidationErrors errors) => DeliveryReferences.Validate(errors, Consumer, Ids, Receipts);
}

/// <summary>POST /api/queues/{queue}/nack: the messages are visible again at once.</summary>
/// <param name="Consumer">The consumer the messages were delivered to (a key).</param>
/// <param name="Ids">The message ids (each ≥ 1).</param>
/// <param name="Receipts">The deliveries' receipts; together with <paramref name="Ids"/> 1-1,000 of them.</param>
public sealed record NackMessagesRequest(string? Consumer, IReadOnlyList<long>? Ids, IReadOnlyList<string>? Receipts = null) : IValidatedRequest, IDeliveryReferences
{
    void IValidatedRequest.Validate(ValidationErrors errors) => DeliveryReferences.Validate(errors, Consumer, Ids, Receipts);
}

/// <summary>POST /api/queues/{queue}/extend: the messages stay invisible for <paramref name="Seconds"/> from now.</summary>
/// <param name="Consumer">The consumer the messages were delivered to (a key).</param>
/// <param name="Ids">The message ids (each ≥ 1).</param>
/// <param name="Receipts">The deliveries' receipts; together with <paramref name="Ids"/> 1-1,000 of them.</param>
/// <param name="Seconds">The new visibility, from now (1 to <c>Queues:MaxVisibilityExtension</c>, default 43,200).</param>
public sealed record ExtendVisibilityRequest(string? Consumer, IReadOnlyList<long>? Ids, IReadOnlyList<string>? Receipts, int? Seconds) : IValidatedRequest, IDeliveryReferences
{
    void IValidatedRequest.Validate(ValidationErrors errors)
    {
        DeliveryReferences.Validate(errors, Consumer, Ids, Receipts);
        errors.Range("seconds", Seconds, 1, int.MaxValue, required: true);
    }
}
