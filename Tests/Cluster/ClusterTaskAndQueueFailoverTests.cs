using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using GrainStream.Grains.Queues;
using GrainStream.Grains.Tasks;
using GrainStream.Tests.Api;
using GrainStream.Tests.Support;
using Xunit.Abstractions;

namespace GrainStream.Tests.Cluster;

/// <summary>Tasks and message queues as real processes (3 silos, PostgreSQL) while the silo that
/// hosts them is killed with SIGKILL: leases, lease expiry (a durable reminder) and unacked
/// deliveries all outlive the process that held them in memory.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterTaskAndQueueFailoverTests(ITestOutputHelper output)
{
    private const string TaskType = "test.work";

    /// <summary>Short periods, so that what the product promises "eventually" happens within seconds.</summary>
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["GrainStream:Reminders:MinimumReminderPeriod"] = "00:00:01",
        ["Tasks:LeaseReminderPeriod"] = "00:00:02",
        ["Queues:ReminderPeriod"] = "00:00:02",
        ["Queues:VisibilityTimeout"] = "00:00:10",
        ["Queues:SweepInterval"] = "00:00:00.200",
        ["Queues:MaxInFlightPerConsumer"] = "4",
        ["Sse:PresenceLease"] = "00:00:03",
    };

    private static readonly TimeSpan Failover = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_leased_task_survives_the_kill_of_its_silo_and_only_its_worker_may_finish_it()
    {
        await using var cluster = await LocalCluster.StartAsync(silos: 3, apis: 1, Settings, output);
        var api = cluster.Apis[0].Client;
        var (queue, id, taskSilo, queueSilo) = await CreateTaskPreferablyColocatedAsync(cluster, "lease");

        var claimed = await ClaimAsync(api, queue, "w1", leaseSeconds: 60);
        Assert.Equal((id, "running", "w1"), (Str(claimed!, "id"), Str(claimed!, "status"), Str(claimed!, "worker")));
        var token = Str(claimed!, "leaseToken");
        Assert.Equal(HttpStatusCode.NoContent, await ReportAsync(api, id, "progress", new { worker = "w1", leaseToken = token, percent = 10 }));

        output.WriteLine($"Killing silo {taskSilo} (task grain; queue grain on silo {queueSilo}).");
        var killed = TimeProvider.System.GetTimestamp();
        await cluster.KillSiloAsync(taskSilo);

        var task = await TaskEventuallyAsync(api, id, _ => true, "the task readable again after the kill of its silo");
        output.WriteLine($"Readable again {TimeProvider.System.GetElapsedTime(killed).TotalSeconds:0.0} s after the kill.");
        Assert.Equal(("running", "w1", 1, 10), (Str(task, "status"), Str(task, "worker"), task["attempts"]!.GetValue<int>(), task["progress"]!.GetValue<int>()));
        Assert.NotEqual(taskSilo, await cluster.SiloHostingAsync((await cluster.ObserverAsync()).GetGrain<ITaskJobGrain>(id)));

        // The lease is intact: only w1 may report, and w1 may finish.
        Assert.Equal(HttpStatusCode.Conflict, await ReportAsync(api, id, "progress", new { worker = "w2", percent = 20 }));
        Assert.Equal(HttpStatusCode.Conflict, await ReportAsync(api, id, "progress", new { worker = "w1", percent = 50, message = "no token" }));
        Assert.Equal(HttpStatusCode.NoContent, await ReportAsync(api, id, "progress", new { worker = "w1", leaseToken = token, percent = 50, message = "after failover" }));
        Assert.Equal(HttpStatusCode.Conflict, await ReportAsync(api, id, "complete", new { worker = "w2", leaseToken = token }));
        Assert.Equal(HttpStatusCode.Conflict, await ReportAsync(api, id, "fail", new { worker = "w2", leaseToken = token, error = "not mine" }));
        Assert.Equal(HttpStatusCode.NoContent, await ReportAsync(api, id, "complete", new { worker = "w1", leaseToken = token, result = new { answer = 42 } }));

        task = (await api.GetFromJsonAsync<JsonObject>($"/api/tasks/{id}"))!;
        Assert.Equal(("succeeded", 100, 42, 1), (Str(task, "status"), task["progress"]!.GetValue<int>(), task["result"]!["answer"]!.GetValue<int>(), task["attempts"]!.GetValue<int>()));
        Assert.Null(await ClaimAsync(api, queue, "w2", leaseSeconds: 60));
        var stats = await (await cluster.ObserverAsync()).GetGrain<ITaskQueueGrain>(queue).GetStats();
        Assert.Equal((0, 0), (stats.Pending, stats.Leased));
    }

    [Fact]
    public async Task An_expired_lease_requeues_the_task_after_the_kill_of_its_queues_silo_and_another_worker_claims_it()
    {
        await using var cluster = await LocalCluster.StartAsync(silos: 3, apis: 1, Settings, output);
        var api = cluster.Apis[0].Client;
        var (queue, id, taskSilo, queueSilo) = await CreateTaskPreferablyColocatedAsync(cluster, "expiry");

        var claimed = await ClaimAsync(api, queue, "doomed", leaseSeconds: 2);
        var claimedAt = TimeProvider.System.GetTimestamp();
        Assert.Equal((id, "doomed"), (Str(claimed!, "id"), Str(claimed!, "worker")));
        // The queue's lease table and timer die with its silo: only the reminder in PostgreSQL can
        // bring the queue back. Nothing below calls the queue before the task is seen requeued.
        output.WriteLine($"Killing silo {queueSilo} (queue grain; task grain on silo {taskSilo}).");
        await cluster.KillSiloAsync(queueSilo);
        Assert.True(TimeProvider.System.GetElapsedTime(claimedAt) < TimeSpan.FromSeconds(2),
            "The silo died only after the lease had expired: its own timer may have requeued the task, and the reminder was not put to the test.");

        var started = TimeProvider.System.GetTimestamp();
        var task = await TaskEventuallyAsync(api, id, t => Str(t, "status") == "queued",
            "the task back in its queue after its lease expired (the queue's reminder fired on a surviving silo)");
        output.WriteLine($"Requeued {TimeProvider.System.GetElapsedTime(started).TotalSeconds:0.0} s after the kill.");
        Assert.Equal(("lease expired", 1), (Str(task, "error"), task["attempts"]!.GetValue<int>()));
        Assert.Null(task["worker"]);

        var again = await ClaimAsync(api, queue, "rescuer", leaseSeconds: 60);
        Assert.NotNull(again);
        Assert.Equal((id, "running", "rescuer", 2), (Str(again, "id"), Str(again, "status"), Str(again, "worker"), again["attempts"]!.GetValue<int>()));
        Assert.Equal(HttpStatusCode.Conflict, await ReportAsync(api, id, "complete", new { worker = "doomed", leaseToken = Str(claimed!, "leaseToken") }));
        Assert.Equal(HttpStatusCode.NoContent, await ReportAsync(api, id, "complete", new { worker = "rescuer", leaseToken = Str(again, "leaseToken") }));
        Assert.Equal("succeeded", Str((await api.GetFromJsonAsync<JsonObject>($"/api/tasks/{id}"))!, "status"));
        Assert.NotEqual(queueSilo, await cluster.SiloHostingAsync((await cluster.ObserverAsync()).GetGrain<ITaskQueueGrain>(queue)));
    }

    [Fact]
    public async Task A_queue_loses_no_acknowledged_message_and_redelivers_what_a_lost_consumer_held()
    {
        await using var cluster = await LocalCluster.StartAsync(silos: 3, apis: 2, Settings, output);
        var front = cluster.Apis[0].Client;
        var queue = "fq-" + Guid.NewGuid().ToString("N")[..12];
        // Started before anything is delivered: the kill below must come well within the visibility timeout.
        var grain = (await cluster.ObserverAsync()).GetGrain<IMessageQueueGrain>(queue);

        // Messages wait in the queue; then "lost" connects through node 1 and at once takes what it
        // may hold (4 in flight), without acking.
        var acknowledged = new List<long>();
        for (var i = 0; i < 12; i++) acknowledged.Add(await EnqueueAsync(front, queue, new { n = i, phase = "before" }));
        var victim = await cluster.SiloHostingAsync(grain);
        var lost = await SseClient.OpenAsync(cluster.Apis[1].Client, $"/api/queues/{queue}/events?consumer=lost");
        var held = new List<long>();
        foreach (var item in await lost.TakeAsync(4, "deliveries to 'lost'"))
        {
            var delivery = item.Json();
            Assert.Equal(("message", 1), (item.EventType, delivery["deliveryCount"]!.GetValue<int>()));
            held.Add(delivery["id"]!.GetValue<long>());
        }
        Assert.Equal(acknowledged[..4], held);

        // The queue's silo and the consumer's node die together. The consumer's hold is stored with the
        // queue (not tied to its connection): its messages stay invisible until the visibility timeout,
        // then go to whoever is connected.
        output.WriteLine($"Killing silo {victim} (queue grain) and API node 1 ('lost').");
        var killed = TimeProvider.System.GetTimestamp();
        await Task.WhenAll(cluster.KillSiloAsync(victim), cluster.Apis[1].KillAsync());
        await lost.DisposeAsync();

        // Enqueues are acknowledged again after the failover.
        for (var i = 0; i < 4; i++)
        {
            long? id = null;
            await Eventually.TrueAsync(async () => (id = await TryEnqueueAsync(front, queue, new { n = 12 + i, phase = "after" })) is not null,
                $"enqueue {i} after the kill acknowledged", Failover);
            acknowledged.Add(id!.Value);
        }
        output.WriteLine($"Enqueues acknowledged again {TimeProvider.System.GetElapsedTime(killed).TotalSeconds:0.0} s after the kill.");

        await using var rescuer = new AckingConsumer(front, queue, "rescuer");
        await Eventually.TrueAsync(() => acknowledged.All(rescuer.Acked.Contains),
            $"every acknowledged message delivered to and acked by 'rescuer'; {rescuer.Summary(acknowledged)}", Failover);
        output.WriteLine($"All delivered and acked {TimeProvider.System.GetElapsedTime(killed).TotalSeconds:0.0} s after the kill: {rescuer.Summary(acknowledged)}");
        await Eventually.TrueAsync(async () => await QueueStatsAsync(front, queue) is { Depth: 0, InFlight: 0 },
            "an empty queue once 'rescuer' acked everything", TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(async () => (await QueueStatsAsync(front, queue))?.Consumers is ["rescuer"],
            "'lost' gone from the consumers (its node stopped renewing it)", TimeSpan.FromSeconds(30));
        Assert.NotEqual(victim, await cluster.SiloHostingAsync(grain));

        var deliveries = rescuer.Deliveries();
        // Exactly the acknowledged messages: nothing lost, nothing invented.
        Assert.Equal(acknowledged.Order(), deliveries.Select(d => d.Id).Distinct().Order());
        // What "lost" held came back flagged redelivered; everything else was delivered once.
        foreach (var id in held) Assert.Contains(deliveries, d => d.Id == id && d.Redelivered && d.DeliveryCount >= 2);
        foreach (var id in acknowledged.Except(held)) Assert.Contains(deliveries, d => d.Id == id && !d.Redelivered && d.DeliveryCount == 1);
        // The rescuer acked every delivery at once, well within the visibility timeout: nothing is due again.
        if (rescuer.FailedAcks == 0) Assert.Equal(acknowledged.Count, deliveries.Count);
    }

    /// <summary>Creates a task in a fresh queue; tries a few queues for one whose task grain and queue
    /// grain share a silo (so that one kill takes both), else takes the last.</summary>
    private async Task<(string Queue, string Id, int TaskSilo, int QueueSilo)> CreateTaskPreferablyColocatedAsync(LocalCluster cluster, string prefix)
    {
        var client = await cluster.ObserverAsync();
        (string Queue, string Id, int TaskSilo, int QueueSilo) created = default;
        for (var attempt = 0; attempt < 6; attempt++)
        {
            var queue = $"{prefix}-{Guid.NewGuid().ToString("N")[..12]}";
            using var response = await cluster.Apis[0].Client.PostAsJsonAsync("/api/tasks", new { type = TaskType, payload = new { n = attempt }, queue, maxAttempts = 3 });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var id = Str((await response.Content.ReadFromJsonAsync<JsonObject>())!, "id");
            created = (queue, id, await cluster.SiloHostingAsync(client.GetGrain<ITaskJobGrain>(id)), await cluster.SiloHostingAsync(client.GetGrain<ITaskQueueGrain>(queue)));
            if (created.TaskSilo == created.QueueSilo) break;
        }
        output.WriteLine($"Task {created.Id} on silo {created.TaskSilo}, queue {created.Queue} on silo {created.QueueSilo}.");
        return created;
    }

    private static async Task<JsonObject?> ClaimAsync(HttpClient api, string queue, string worker, int leaseSeconds)
    {
        using var response = await api.PostAsJsonAsync("/api/tasks/claim", new { worker, queue, types = new[] { TaskType }, leaseSeconds });
        if (response.StatusCode == HttpStatusCode.NoContent) return null;
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"claim by {worker}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonObject>();
    }

    private static async Task<HttpStatusCode> ReportAsync(HttpClient api, string id, string action, object body)
    {
        using var response = await api.PostAsJsonAsync($"/api/tasks/{id}/{action}", body);
        if (response.StatusCode is not (HttpStatusCode.NoContent or HttpStatusCode.Conflict))
        {
            Assert.Fail($"{action} of task {id}: unexpected {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return response.StatusCode;
    }

    /// <summary>The task, or null while the cluster cannot answer (503, timeouts during the failover);
    /// <paramref name="last"/> keeps what the last attempt got, for the failure message.</summary>
    private static async Task<JsonObject?> TryGetTaskAsync(HttpClient api, string id, StrongBox<string> last)
    {
        try
        {
            using var response = await api.GetAsync($"/api/tasks/{id}");
            var text = await response.Content.ReadAsStringAsync();
            last.Value = $"{(int)response.StatusCode} {text}";
            if (response.StatusCode == HttpStatusCode.OK) return JsonNode.Parse(text)!.AsObject();
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"GET task {id}: unexpected {last.Value}");
            return null;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            last.Value = exception.Message;
            return null;
        }
    }

    /// <summary>Waits for <paramref name="condition"/> on the task; a timeout names the last answer.</summary>
    private static async Task<JsonObject> TaskEventuallyAsync(HttpClient api, string id, Func<JsonObject, bool> condition, string what)
    {
        var last = new StrongBox<string>("no answer yet");
        JsonObject? task = null;
        try
        {
            await Eventually.TrueAsync(async () => (task = await TryGetTaskAsync(api, id, last)) is not null && condition(task), what, Failover);
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}; the last answer: {last.Value}", timeout);
        }
        return task!;
    }

    private static async Task<long> EnqueueAsync(HttpClient api, string queue, object body)
    {
        using var response = await api.PostAsJsonAsync($"/api/queues/{queue}/messages", new { body });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"enqueue: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<long>();
    }

    /// <summary>The id when the enqueue was acknowledged (201); null when it was not (503 or no answer).</summary>
    private static async Task<long?> TryEnqueueAsync(HttpClient api, string queue, object body)
    {
        try
        {
            using var response = await api.PostAsJsonAsync($"/api/queues/{queue}/messages", new { body });
            if (response.StatusCode != HttpStatusCode.Created) return null;
            return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<long>();
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static async Task<QueueStats?> QueueStatsAsync(HttpClient api, string queue)
    {
        try
        {
            using var response = await api.GetAsync($"/api/queues/{queue}");
            if (response.StatusCode != HttpStatusCode.OK) return null;
            return await response.Content.ReadFromJsonAsync<QueueStats>(JsonSerializerOptions.Web);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static string Str(JsonObject node, string name) => node[name]?.GetValue<string>() ?? throw new InvalidOperationException($"No '{name}' in {node.ToJsonString()}");

    /// <summary>A well-behaved consumer: keeps its event stream open (<see cref="ReconnectingEventSource"/>:
    /// reconnecting with <c>Last-Event-ID</c> when it ends) and acks every message as it arrives.</summary>
    private sealed class AckingConsumer : IAsyncDisposable
    {
        private readonly HttpClient _api;
        private readonly string _queue;
        private readonly string _name;
        private readonly List<(long Id, bool Redelivered, int DeliveryCount)> _deliveries = [];
        private readonly HashSet<long> _acked = [];
        private readonly ReconnectingEventSource _source;
        private int _failedAcks;

        public AckingConsumer(HttpClient api, string queue, string name)
        {
            _api = api;
            _queue = queue;
            _name = name;
            _source = new ReconnectingEventSource([api.BaseAddress!], 0, $"/api/queues/{queue}/events?consumer={name}", ReceiveAsync);
        }

        /// <summary>Ids whose ack was answered 204.</summary>
        public HashSet<long> Acked
        {
            get
            {
                lock (_deliveries) return [.. _acked];
            }
        }

        /// <summary>Acks answered otherwise than 204 (or not at all).</summary>
        public int FailedAcks => Volatile.Read(ref _failedAcks);

        public List<(long Id, bool Redelivered, int DeliveryCount)> Deliveries()
        {
            lock (_deliveries) return [.. _deliveries];
        }

        public string Summary(IEnumerable<long> expected)
        {
            lock (_deliveries)
            {
                var missing = expected.Where(id => !_acked.Contains(id)).ToList();
                return $"{_deliveries.Count} deliveries, {_acked.Count} acked, {_source.Reconnects} reconnects, {_failedAcks} failed acks; "
                    + $"delivered: [{string.Join(", ", _deliveries.Select(d => $"{d.Id}{(d.Redelivered ? "r" : "")}x{d.DeliveryCount}"))}]; "
                    + $"not yet acked: [{string.Join(", ", missing)}]";
            }
        }

        private async ValueTask ReceiveAsync(SseItem<string> item, CancellationToken token)
        {
            if (item.EventType != "message") return;
            var message = JsonNode.Parse(item.Data)!;
            var id = message["id"]!.GetValue<long>();
            lock (_deliveries) _deliveries.Add((id, message["redelivered"]!.GetValue<bool>(), message["deliveryCount"]!.GetValue<int>()));
            await AckAsync(id, token);
        }

        private async Task AckAsync(long id, CancellationToken token)
        {
            try
            {
                using var response = await _api.PostAsJsonAsync($"/api/queues/{_queue}/ack", new { consumer = _name, ids = new[] { id } }, token);
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    lock (_deliveries) _acked.Add(id);
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException || (exception is TaskCanceledException && !token.IsCancellationRequested))
            {
            }
            // Not acked: the message comes back after its visibility timeout and is acked then.
            Interlocked.Increment(ref _failedAcks);
        }

        public ValueTask DisposeAsync() => _source.DisposeAsync();
    }
}
