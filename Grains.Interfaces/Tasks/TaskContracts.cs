using System.Text.Json;
using System.Text.Json.Serialization;
using GrainStream.Streams;

namespace GrainStream.Grains.Tasks;

/// <summary>Where a task is in its life.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TaskJobStatus>))]
[GenerateSerializer]
public enum TaskJobStatus
{
    /// <summary>Waiting for a worker.</summary>
    [JsonStringEnumMemberName("queued")] Queued,
    /// <summary>Claimed by a worker holding its lease.</summary>
    [JsonStringEnumMemberName("running")] Running,
    /// <summary>Completed with a result.</summary>
    [JsonStringEnumMemberName("succeeded")] Succeeded,
    /// <summary>Failed on its last attempt.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
    /// <summary>Cancelled.</summary>
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>Creates a task.</summary>
/// <param name="Type">What kind of work (e.g. <c>demo.count</c>); workers claim by type.</param>
/// <param name="Payload">Input for the worker.</param>
/// <param name="Queue">The queue (a key).</param>
/// <param name="MaxAttempts">Attempts before it fails for good (1-100).</param>
[GenerateSerializer, Immutable]
public sealed record CreateTaskCommand(string Type, JsonElement? Payload, string Queue, int MaxAttempts);

/// <summary>A task as clients see it; also the payload of the <c>status</c> event.</summary>
/// <remarks><see cref="LeaseToken"/> is set only in the answer to the claim that started the
/// attempt (it proves the lease in progress, complete and fail); everywhere else it is null and
/// left out of the JSON, so watching a task never reveals it.</remarks>
[GenerateSerializer, Immutable]
[StreamEventName("status")]
public sealed record TaskJobView(
    string Id,
    string Type,
    string Queue,
    JsonElement? Payload,
    TaskJobStatus Status,
    int Progress,
    string? ProgressMessage,
    JsonElement? Result,
    string? Error,
    int Attempts,
    int MaxAttempts,
    string? Worker,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LeaseExpiresAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? LeaseToken = null)
{
    /// <summary>True for succeeded, failed and cancelled.</summary>
    [JsonIgnore]
    public bool IsTerminal => Status is TaskJobStatus.Succeeded or TaskJobStatus.Failed or TaskJobStatus.Cancelled;
}

/// <summary>Payload of the <c>progress</c> event.</summary>
/// <param name="Id">The task.</param>
/// <param name="Percent">0-100.</param>
/// <param name="Message">Optional note from the worker.</param>
[GenerateSerializer, Immutable]
[StreamEventName("progress")]
public sealed record TaskProgress(string Id, int Percent, string? Message);

/// <summary>The answer to a worker's report.</summary>
[GenerateSerializer]
public enum WorkerReportOutcome
{
    /// <summary>Accepted.</summary>
    Accepted,
    /// <summary>No such task.</summary>
    NotFound,
    /// <summary>The worker does not hold the task's lease (expired, another worker's, or the lease
    /// token is not the current attempt's).</summary>
    NotLeaseHolder,
}

/// <summary>Queue counts.</summary>
/// <param name="Queue">The queue.</param>
/// <param name="Pending">Tasks waiting.</param>
/// <param name="Leased">Tasks held by workers.</param>
[GenerateSerializer, Immutable]
public sealed record TaskQueueStats(string Queue, int Pending, int Leased);

/// <summary>The streams of tasks.</summary>
public static class TaskStreams
{
    /// <summary>One task's <c>status</c> and <c>progress</c> events.</summary>
    public static StreamId Task(string taskId) => StreamIds.Create("task", taskId);

    /// <summary>The same events for every task of a queue (the demo's task board).</summary>
    public static StreamId Queue(string queue) => StreamIds.Create("tasks", queue);

    /// <summary>The queue used when none is named.</summary>
    public const string DefaultQueue = "default";
}
