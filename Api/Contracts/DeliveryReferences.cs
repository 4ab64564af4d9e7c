using GrainStream.Api.Validation;
using GrainStream.Grains;

namespace GrainStream.Api.Contracts;

/// <summary>A request that names queue deliveries of one consumer, by message id or by receipt.</summary>
public interface IDeliveryReferences
{
    /// <summary>The consumer the messages were delivered to.</summary>
    string? Consumer { get; }

    /// <summary>Message ids.</summary>
    IReadOnlyList<long>? Ids { get; }

    /// <summary>Delivery receipts.</summary>
    IReadOnlyList<string>? Receipts { get; }
}

/// <summary>The rules of <see cref="IDeliveryReferences"/>: a consumer key and 1-1,000 ids (each ≥ 1)
/// and receipts (each 1-64 characters) together.</summary>
internal static class DeliveryReferences
{
    /// <summary>Most ids and receipts one request may name.</summary>
    public const int MaxPerRequest = 1000;

    public static void Validate(ValidationErrors errors, string? consumer, IReadOnlyList<long>? ids, IReadOnlyList<string>? receipts)
    {
        errors.Key("consumer", consumer);
        var count = (ids?.Count ?? 0) + (receipts?.Count ?? 0);
        if (count == 0) errors.Add("ids", "'ids' or 'receipts' must name at least one delivery.");
        else if (count > MaxPerRequest) errors.Add("ids", "At most 1,000 ids and receipts per request.");
        if (ids is not null && ids.Any(id => id < 1)) errors.Add("ids", "Message ids are ≥ 1.");
        if (receipts is not null && receipts.Any(r => string.IsNullOrEmpty(r) || r.Length > SecretTokens.MaxLength))
        {
            errors.Add("receipts", $"Receipts are 1-{SecretTokens.MaxLength} characters.");
        }
    }
}
