using System.Text.Json;
using GrainStream.Api.Auth;
using GrainStream.Api.Contracts;
using GrainStream.Api.Sse;
using GrainStream.Grains;
using GrainStream.Grains.Tasks;
using GrainStream.Streams;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orleans;

namespace GrainStream.Api.Endpoints;

/// <summary><c>/api/tasks</c>: create, inspect, cancel and follow tasks; the worker protocol (claim,
/// progress, complete, fail).</summary>
internal static class TaskEndpoints
{
    public static IEndpointRouteBuilder MapTaskEndpoints(this IEndpointRouteBuilder api)
    {
        var tasks = api.MapGroup("/tasks").WithTags("Tasks");
        // Creating and claiming touch the task queue (tasks:{queue}, the multiplexed topic of the
        // queue); everything else touches one task (task:{id}).
        tasks.MapPost("", Create).WithSummary("Creates a task; 201 with Location /api/tasks/{id}.")
            .RequireTopic<CreateTaskRequest>("tasks", r => r.Queue ?? TaskStreams.DefaultQueue);
        // A literal segment: never taken for a task id (POST /api/tasks/{id} does not exist).
        tasks.MapPost("/claim", Claim).WithSummary("A worker claims the oldest pending task (200) or learns there is none (204).")
            .RequireTopic<ClaimTaskRequest>("tasks", r => r.Queue ?? TaskStreams.DefaultQueue);
        var task = tasks.MapGroup("/{id}").RequireTopic("task", "id");
        task.MapGet("", Get).WithSummary("The task's status, progress, result, error, attempts and timestamps.");
        task.MapPost("/cancel", Cancel).WithSummary("Cancels a queued or running task (202).");
        task.MapGet("/events", Events).WithSummary("SSE: status, progress; ends after a terminal status, and a reconnect then gets 204.");
        task.MapPost("/progress", Progress).WithSummary("Progress from the worker holding the lease (renews it).");
        task.MapPost("/complete", Complete).WithSummary("Success from the worker holding the lease.");
        task.MapPost("/fail", Fail).WithSummary("Failure from the worker holding the lease; retried while attempts remain.");
        return api;
    }

    private static async Task<Created<TaskJobView>> Create(CreateTaskRequest request, IClusterClient cluster, IOptions<TaskOptions> options)
    {
        var id = Guid.NewGuid().ToString("N");
        var view = await cluster.GetGrain<ITaskJobGrain>(id).Create(request.ToCommand(options.Value));
        return TypedResults.Created($"/api/tasks/{id}", view);
    }

    private static async Task<Results<Ok<TaskJobView>, NoContent>> Claim(ClaimTaskRequest request, IClusterClient cluster, IOptions<TaskOptions> options)
    {
        var lease = request.LeaseSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : options.Value.DefaultLease;
        var types = request.Types is { Count: > 0 } ? request.Types : null;
        var view = await cluster.GetGrain<ITaskQueueGrain>(request.Queue ?? TaskStreams.DefaultQueue).Claim(request.Worker!, types, lease);
        return view is null ? TypedResults.NoContent() : TypedResults.Ok(view);
    }

    private static async Task<Results<Ok<TaskJobView>, ProblemHttpResult>> Get(string id, IClusterClient cluster)
        => await cluster.GetGrain<ITaskJobGrain>(id).Get() is { } view ? TypedResults.Ok(view) : NotFound(id);

    private static async Task<Results<Accepted<TaskJobView>, ProblemHttpResult>> Cancel(string id, IClusterClient cluster)
        => await cluster.GetGrain<ITaskJobGrain>(id).Cancel() is { } view ? TypedResults.Accepted($"/api/tasks/{id}", view) : NotFound(id);

    private static async Task<Results<SseStreamResult, NoContent, ProblemHttpResult>> Events(string id, HttpRequest request, IClusterClient cluster)
    {
        if (!LastEventId.TryReadToken(request, out var resume, out var problem)) return problem;
        var streamId = TaskStreams.Task(id);
        // An unknown task is a 404 before its stream is touched: opening a stream writes its log
        // row for good, and a GET must not leave that behind.
        var job = cluster.GetGrain<ITaskJobGrain>(id);
        if (await job.Get() is null) return NotFound(id);
        // The position before the status is read again: joining from it cannot miss a terminal
        // status published in between (which would leave the stream open forever).
        var last = await cluster.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetEventStream(streamId).GetLastPositionAsync();
        var view = (await job.Get())!;
        if (!view.IsTerminal) return new SseStreamResult([new SseSubscription(streamId, resume ?? last)], announcePosition: resume is null);
        if (resume is { } seen)
        {
            // A client that has the end stops here (EventSource stops on 204); one that missed events
            // before the end (it dropped out mid-way) gets them, ending with the terminal status.
            var sameEpoch = seen.Epoch == 0 || seen.Epoch == last.Epoch;
            if (!sameEpoch || seen.Sequence >= last.Sequence) return TypedResults.NoContent();
            return new SseStreamResult([new SseSubscription(streamId, seen)]);
        }
        var payload = JsonSerializer.SerializeToUtf8Bytes(view, GrainsJsonContext.Default.TaskJobView);
        var final = new StreamEvent(streamId, last, "status", view.UpdatedAt, payload);
        return SseStreamResult.Final(SseFrame.ForEvent(final, StreamKinds.Topic(streamId), endsStream: true));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Progress(string id, TaskProgressRequest request, IClusterClient cluster)
        => Outcome(id, request.Worker!, await cluster.GetGrain<ITaskJobGrain>(id).ReportProgress(request.Worker!, request.LeaseToken, request.Percent!.Value, request.Message));

    private static async Task<Results<NoContent, ProblemHttpResult>> Complete(string id, CompleteTaskRequest request, IClusterClient cluster)
        => Outcome(id, request.Worker!, await cluster.GetGrain<ITaskJobGrain>(id).Complete(request.Worker!, request.LeaseToken, request.Result));

    private static async Task<Results<NoContent, ProblemHttpResult>> Fail(string id, FailTaskRequest request, IClusterClient cluster)
        => Outcome(id, request.Worker!, await cluster.GetGrain<ITaskJobGrain>(id).Fail(request.Worker!, request.LeaseToken, request.Error!));

    private static Results<NoContent, ProblemHttpResult> Outcome(string id, string worker, WorkerReportOutcome outcome) => outcome switch
    {
        WorkerReportOutcome.Accepted => TypedResults.NoContent(),
        WorkerReportOutcome.NotFound => NotFound(id),
        _ => TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "Not the lease holder",
            detail: $"Worker '{worker}' does not hold the lease of task '{id}' (it expired, another worker holds it, or leaseToken is not the one the current attempt's claim returned)."),
    };

    private static ProblemHttpResult NotFound(string id)
        => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Task not found", detail: $"There is no task '{id}'.");
}
