namespace GrainStream.Api.Contracts;

/// <summary>The answer of the health endpoints.</summary>
/// <param name="Status"><c>live</c> or <c>ready</c>.</param>
public sealed record HealthStatus(string Status);
