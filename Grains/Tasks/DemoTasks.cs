using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace GrainStream.Grains.Tasks;

/// <summary>Runs one claimed demo task through the same grain calls an external worker makes
/// (ReportProgress, Complete, Fail).</summary>
/// <param name="client">The cluster.</param>
/// <param name="time">The clock for the steps' delays.</param>
/// <param name="lease">The lease the worker claims with; a step never waits longer than a third of it,
/// so that progress reports keep renewing it.</param>
/// <param name="logger">Where refused reports are noted.</param>
internal sealed class DemoTasks(IClusterClient client, TimeProvider time, TimeSpan lease, ILogger logger)
{
    private int MaxStepMs => (int)Math.Max(1, lease.TotalMilliseconds / 3);

    /// <summary>Runs <paramref name="task"/> to its end (or until the lease is lost or the token is cancelled).</summary>
    public Task RunAsync(string worker, TaskJobView task, CancellationToken cancellationToken)
    {
        var job = client.GetGrain<ITaskJobGrain>(task.Id);
        return task.Type switch
        {
            DemoTaskTypes.Count => CountAsync(job, worker, task, cancellationToken),
            DemoTaskTypes.Sleep => SleepAsync(job, worker, task, cancellationToken),
            DemoTaskTypes.Fail => FailAsync(job, worker, task, cancellationToken),
            _ => UnknownAsync(job, worker, task, cancellationToken),
        };
    }

    private async Task CountAsync(ITaskJobGrain job, string worker, TaskJobView task, CancellationToken cancellationToken)
    {
        var n = ReadInt(task.Payload, "n", 10, 1, 1000);
        var delay = ReadInt(task.Payload, "delayMs", 300, 0, MaxStepMs);
        for (var i = 1; i <= n; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(delay), time, cancellationToken).ConfigureAwait(false);
            if (!await Report(job.ReportProgress(worker, task.LeaseToken, i * 100 / n, $"{i}/{n}"), task, "progress", cancellationToken).ConfigureAwait(false)) return;
        }
        await Report(job.Complete(worker, task.LeaseToken, Json($"{{\"count\":{n}}}")), task, "complete", cancellationToken).ConfigureAwait(false);
    }

    private async Task SleepAsync(ITaskJobGrain job, string worker, TaskJobView task, CancellationToken cancellationToken)
    {
        var ms = ReadInt(task.Payload, "ms", 2000, 0, 10 * MaxStepMs);
        for (var step = 1; step <= 10; step++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(ms / 10.0), time, cancellationToken).ConfigureAwait(false);
            if (!await Report(job.ReportProgress(worker, task.LeaseToken, step * 10, $"{ms * step / 10}/{ms} ms"), task, "progress", cancellationToken).ConfigureAwait(false)) return;
        }
        await Report(job.Complete(worker, task.LeaseToken, Json($"{{\"sleptMs\":{ms}}}")), task, "complete", cancellationToken).ConfigureAwait(false);
    }

    private async Task FailAsync(ITaskJobGrain job, string worker, TaskJobView task, CancellationToken cancellationToken)
    {
        var delay = ReadInt(task.Payload, "delayMs", 500, 0, MaxStepMs);
        await Task.Delay(TimeSpan.FromMilliseconds(delay), time, cancellationToken).ConfigureAwait(false);
        if (!await Report(job.ReportProgress(worker, task.LeaseToken, 50, "about to fail"), task, "progress", cancellationToken).ConfigureAwait(false)) return;
        await Report(job.Fail(worker, task.LeaseToken, $"demo.fail always fails (attempt {task.Attempts} of {task.MaxAttempts})"), task, "fail", cancellationToken).ConfigureAwait(false);
    }

    private Task UnknownAsync(ITaskJobGrain job, string worker, TaskJobView task, CancellationToken cancellationToken)
        => Report(job.Fail(worker, task.LeaseToken, $"The demo worker does not know task type '{task.Type}'."), task, "fail", cancellationToken);

    /// <summary>Awaits a report; false when the task is no longer this worker's (cancelled, or the lease was lost).</summary>
    private async Task<bool> Report(Task<WorkerReportOutcome> report, TaskJobView task, string what, CancellationToken cancellationToken)
    {
        var outcome = await report.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (outcome == WorkerReportOutcome.Accepted) return true;
        logger.LogInformation("Demo task {TaskId}: {What} refused ({Outcome}); leaving it", task.Id, what, outcome);
        return false;
    }

    /// <summary>An integer property of the payload, clamped; <paramref name="fallback"/> when absent or not an integer.</summary>
    internal static int ReadInt(JsonElement? payload, string name, int fallback, int min, int max)
    {
        var value = payload is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var property)
            && property.ValueKind == JsonValueKind.Number && property.TryGetDouble(out var number) && double.IsFinite(number)
            ? (int)Math.Clamp(number, int.MinValue, int.MaxValue)
            : fallback;
        return Math.Clamp(value, min, max);
    }

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
