using GrainStream.Api.Validation;

namespace GrainStream.Api.Contracts;

/// <summary>The answer to an append.</summary>
/// <param name="Appended">Lines appended.</param>
public sealed record AppendLinesResponse(int Appended);

/// <summary>The query of GET /api/logs/{name}/events.</summary>
/// <param name="Tail">Replay the last this many events of the log's stream before the live ones (0-10,000; default 0).</param>
public sealed record LogTailQuery(int? Tail) : IValidatedRequest
{
    /// <summary>The largest tail.</summary>
    public const int MaxTail = 10_000;

    void IValidatedRequest.Validate(ValidationErrors errors) => errors.Range("tail", Tail, 0, MaxTail);
}
