using System.Net;
using GrainStream.Api.Errors;
using GrainStream.Persistence;
using GrainStream.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;

namespace GrainStream.Tests.Api;

/// <summary>Storage failures a client can act on get their own answer, not a generic 500: a store out
/// of space (SQLite, PostgreSQL, a log file) 507 Insufficient storage, where nothing of the refused
/// write is kept and, once space is back, the stream goes on where it was with no gap and no phantom
/// event; an SQLite file another process keeps locked 503.</summary>
public sealed class StorageErrorTests
{
    private static SqliteException SqliteFull() => new("database or disk is full", 13);

    public static TheoryData<Exception> OutOfSpace() => new()
    {
        SqliteFull(),
        new Npgsql.PostgresException("could not extend file \"base/5/16384\": No space left on device", "ERROR", "ERROR", "53100"),
        new IOException("No space left on device", 28),
        new IOException("Disk quota exceeded", 122),
        // As Orleans' storage bridge wraps what a provider throws.
        new OrleansException("Error from storage provider during WriteStateAsync", SqliteFull()),
    };

    [Theory]
    [MemberData(nameof(OutOfSpace))]
    public void A_store_out_of_space_is_answered_507(Exception error)
    {
        Assert.True(StorageErrors.IsFull(error));
        Assert.Equal(StatusCodes.Status507InsufficientStorage, ProblemMapping.Map(ProblemMapping.Cause(error)).Status);
    }

    // What a cluster's silo can fail with (SQLite serves the embedded mode only, inside one process).
    public static TheoryData<Exception> OutOfSpaceInACluster() => new()
    {
        new Npgsql.PostgresException("could not extend file \"base/5/16384\": No space left on device", "ERROR", "ERROR", "53100"),
        new IOException("No space left on device", 28),
        new OrleansException("Error from storage provider during WriteStateAsync", new Npgsql.PostgresException("could not write to file \"pg_wal/xlogtemp.99\": No space left on device", "PANIC", "PANIC", "53100")),
    };

    [Theory]
    [MemberData(nameof(OutOfSpaceInACluster))]
    public void Out_of_space_is_still_recognised_after_crossing_from_a_silo(Exception error)
    {
        var received = ContractWire.RoundTrip<Exception>(error);

        Assert.Equal(StatusCodes.Status507InsufficientStorage, ProblemMapping.Map(ProblemMapping.Cause(received)).Status);
    }

    [Fact]
    public void A_real_write_to_a_full_device_is_recognised()
    {
        if (!OperatingSystem.IsLinux()) return; // /dev/full: every write fails with ENOSPC
        var error = Assert.ThrowsAny<IOException>(() => File.WriteAllBytes("/dev/full", [1, 2, 3]));

        Assert.True(StorageErrors.IsFull(error), $"{error.GetType().Name} (HResult {error.HResult}): {error.Message}");
    }

    [Fact]
    public void A_database_file_another_process_keeps_locked_is_answered_503()
    {
        var locked = new SqliteException("database is locked", 5);

        Assert.True(StorageErrors.IsBusy(locked));
        Assert.False(StorageErrors.IsFull(locked));
        Assert.Equal((StatusCodes.Status503ServiceUnavailable, "The database is busy"), ProblemMapping.Map(locked));
    }

    [Fact]
    public void Other_storage_failures_are_not_mistaken_for_a_full_disk()
    {
        Assert.False(StorageErrors.IsFull(new SqliteException("database is locked", 5)));
        Assert.False(StorageErrors.IsFull(new Npgsql.PostgresException("deadlock detected", "ERROR", "ERROR", "40P01")));
        Assert.False(StorageErrors.IsFull(new IOException("Input/output error", 5)));
        Assert.Equal(StatusCodes.Status500InternalServerError, ProblemMapping.Map(new IOException("Input/output error", 5)).Status);
    }

    [Fact]
    public async Task A_post_refused_for_a_full_disk_is_507_and_the_next_one_continues_the_stream_without_a_gap()
    {
        FailingEventLog? log = null;
        await using var host = await ApiHost.StartAsync(decorate: s => FailingEventLog.Decorate(s, created => log = created));
        var room = ApiHost.NewKey("room");
        await using var events = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events");
        var first = await ApiHost.Read(await host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "ada", text = "before" }), HttpStatusCode.Created);

        log!.Failure = SqliteFull();
        var problem = await ApiHost.ReadProblem(await host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "ada", text = "refused" }), StatusCodes.Status507InsufficientStorage);
        Assert.Equal("Insufficient storage", problem["title"]!.GetValue<string>());
        Assert.Equal("https://tools.ietf.org/html/rfc4918#section-11.5", problem["type"]!.GetValue<string>());
        log.Failure = null;
        var after = await ApiHost.Read(await host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "ada", text = "after" }), HttpStatusCode.Created);

        Assert.Equal(first["id"]!.GetValue<long>() + 1, after["id"]!.GetValue<long>());
        var delivered = await events.TakeAsync(2, "the two stored messages");
        Assert.Equal(["before", "after"], delivered.Select(e => e.Json()["text"]!.GetValue<string>()));
        var history = (await host.GetJsonAsync($"/api/chat/rooms/{room}/messages")).AsArray();
        Assert.Equal(["before", "after"], history.Select(m => m!["text"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_post_whose_event_is_stored_succeeds_though_the_rooms_checkpoint_cannot_be_written()
    {
        FailingGrainStorage? storage = null;
        await using var host = await ApiHost.StartAsync(
            settings: new Dictionary<string, string?> { ["Chat:MessagesPerStateWrite"] = "1" },
            decorate: s => FailingGrainStorage.Decorate(s, created => storage = created));
        var room = ApiHost.NewKey("room");
        await ApiHost.Read(await host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "ada", text = "one" }), HttpStatusCode.Created);

        storage!.Failure = SqliteFull();
        var second = await ApiHost.Read(await host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "ada", text = "two" }), HttpStatusCode.Created);
        storage.Failure = null;
        var third = await ApiHost.Read(await host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "ada", text = "three" }), HttpStatusCode.Created);

        Assert.Equal(second["id"]!.GetValue<long>() + 1, third["id"]!.GetValue<long>());
        var history = (await host.GetJsonAsync($"/api/chat/rooms/{room}/messages")).AsArray();
        Assert.Equal(["one", "two", "three"], history.Select(m => m!["text"]!.GetValue<string>()));
        var summary = await host.GetJsonAsync($"/api/chat/rooms/{room}");
        Assert.Equal(3, summary["messageCount"]!.GetValue<long>());
        Assert.Equal(third["id"]!.GetValue<long>(), summary["lastId"]!.GetValue<long>());
    }

    [Fact]
    public async Task An_enqueued_message_is_kept_and_delivered_though_its_dispatch_could_not_be_stored()
    {
        FailingGrainStorage? storage = null;
        await using var host = await ApiHost.StartAsync(decorate: s => FailingGrainStorage.Decorate(s, created => storage = created));
        var queue = ApiHost.NewKey("q");
        await using var consumer = await SseClient.OpenAsync(host.Client, $"/api/queues/{queue}/events?consumer=c1");
        await Eventually.TrueAsync(async () => (await host.GetJsonAsync($"/api/queues/{queue}"))["consumers"]!.AsArray().Any(c => c!.GetValue<string>() == "c1"),
            "c1 reported as connected");

        storage!.Failure = SqliteFull();
        var enqueued = await ApiHost.Read(await host.PostJsonAsync($"/api/queues/{queue}/messages", new { body = "kept" }), HttpStatusCode.Created);
        storage.Failure = null;

        var delivered = (await consumer.NextOfTypeAsync("message")).Json();
        Assert.Equal(enqueued["id"]!.GetValue<long>(), delivered["id"]!.GetValue<long>());
        Assert.Equal("kept", delivered["body"]!.GetValue<string>());
    }
}
