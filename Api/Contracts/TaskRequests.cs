using System.Text.Json;
using GrainStream.Api.Validation;
using GrainStream.Grains;
using GrainStream.Grains.Tasks;

namespace GrainStream.Api.Contracts;

/// <summary>POST /api/tasks.</summary>
/// <param name="Type">What kind of work (a key, e.g. <c>demo.count</c>); workers claim by type.</param>
/// <param name="Payload">Input for the worker (any JSON).</param>
/// <param name="Queue">The queue (a key; default <c>default</c>).</param>
/// <param name="MaxAttempts">Attempts before the task fails for good (1-100; default <c>Tasks:DefaultMaxAttempts</c>, 3).</param>
public sealed record CreateTaskRequest(string? Type, JsonElement? Payload, string? Queue, int? MaxAttempts) : IValidatedRequest
{
    void IValidatedRequest.Validate(ValidationErrors errors)
    {
        errors.Key("type", Type);
        errors.Key("queue", Queue, required: false);
        errors.Range("maxAttempts", MaxAttempts, TaskRules.MinAttempts, TaskRules.MaxAttempts);
    }

    /// <summary>The grain command.</summary>
    public CreateTaskCommand ToCommand(TaskOptions options) => new(Type!, Payload, Queue ?? TaskStreams.DefaultQueue, MaxAttempts ?? options.DefaultMaxAttempts);
}

/// <summary>POST /api/tasks/claim.</summary>
/// <param name="Worker">The worker (a key).</param>
/// <param name="Types">Task types it takes (keys; any when absent or empty; at most 32).</param>
/// <param name="Queue">The queue (default <c>default</c>).</param>
/// <param name="LeaseSeconds">How long the worker holds the task without reporting (1 to <c>Tasks:MaxLeaseSeconds</c>, default 600; more is 400; default <c>Tasks:DefaultLease</c>, 30 s).</param>
public sealed record ClaimTaskRequest(string? Worker, IReadOnlyList<string>? Types, string? Queue, int? LeaseSeconds) : IValidatedRequest
{
    void IValidatedRequest.Validate(ValidationErrors errors)
    {
        errors.Key("worker", Worker);
        errors.Key("queue", Queue, required: false);
        errors.Range("leaseSeconds", LeaseSeconds, (long)TaskRules.MinLease.TotalSeconds, (long)TaskRules.MaxLease.TotalSeconds);
        if (Types is { Count: > 32 }) errors.Add("types", "At most 32 types.");
        else if (Types is not null && Types.Any(t => !Grains.EntityKey.IsValid(t))) errors.Add("types", $"Every type must match {Grains.EntityKey.Pattern}.");
    }
}

/// <summary>POST /api/tasks/{id}/progress.</summary>
/// <param name="Worker">The worker holding the lease.</param>
/// <param name="Percent">0-100.</param>
/// <param name="Message">An optional note (up to 1,000 characters).</param>
/// <param name="LeaseToken">The <c>leaseToken</c> of the claim (a report without the current attempt's token is 409).</param>
public sealed record TaskProgressRequest(string? Worker, int? Percent, string? Message, string? LeaseToken = null) : IValidatedRequest
{
    void IValidatedRequest.Validate(ValidationErrors errors)
    {
        errors.Key("worker", Worker);
        errors.Text("leaseToken", LeaseToken, SecretTokens.MaxLength, required: false);
        errors.Range("percent", Percent, 0, 100, required: true);
        errors.Text("message", Message, TaskRules.MaxProgressMessageLength, required: false);
    }
}

/// <summary>POST /api/tasks/{id}/complete.</summary>
/// <param name="Worker">The worker holding the lease.</param>
/// <param name="Result">The result (any JSON).</param>
/// <param name="LeaseToken">The <c>leaseToken</c> of the claim (a report without the current attempt's token is 409).</param>
public sealed record CompleteTaskRequest(string? Worker, JsonElement? Result, string? LeaseToken = null) : IValidatedRequest
{
    void IValidatedRequest.Validate(ValidationErrors errors)
    {
        errors.Key("worker", Worker);
        errors.Text("leaseToken", LeaseToken, SecretTokens.MaxLength, required: false);
    }
}

/// <summary>POST /api/tasks/{id}/fail.</summary>
/// <param name="Worker">The worker holding the lease.</param>
/// <param name="Error">What went wrong (1-4,000 characters).</param>
/// <param name="LeaseToken">The <c>leaseToken</c> of the claim (a report without the current attempt's token is 409).</param>
public sealed record FailTaskRequest(string? Worker, string? Error, string? LeaseToken = null) : IValidatedRequest
{
    void IValidatedRequest.Validate(ValidationErrors errors)
    {
        errors.Key("worker", Worker);
        errors.Text("leaseToken", LeaseToken, SecretTokens.MaxLength, required: false);
        errors.Text("error", Error, TaskRules.MaxErrorLength);
    }
}
