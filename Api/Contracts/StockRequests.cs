using GrainStream.Api.Validation;

namespace GrainStream.Api.Contracts;

/// <summary>POST /api/stocks/{symbol}/quotes.</summary>
/// <param name="Price">The price (&gt; 0).</param>
/// <param name="Volume">The volume of this quote (≥ 0; default 0).</param>
public sealed record PushQuoteRequest(decimal? Price, long? Volume) : IValidatedRequest
{
    void IValidatedRequest.Validate(ValidationErrors errors)
    {
        if (Price is null) errors.Add("price", "'price' is required.");
        else if (Price <= 0) errors.Add("price", "'price' must be greater than 0.");
        errors.Range("volume", Volume, 0, long.MaxValue);
    }
}
