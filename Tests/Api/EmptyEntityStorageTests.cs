using System.Text.Json;
using GrainStream.Grains;
using GrainStream.Grains.Chat;
using GrainStream.Grains.Queues;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Api;

/// <summary>An entity with nothing to keep leaves no row in the grain storage table: a room nobody is
/// in, a read in a room without messages, a queue without messages or consumers. Checked on the
/// embedded host's SQLite file.</summary>
public sealed class EmptyEntityStorageTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private ApiHost Host => fixture.Host;

    private IGrainFactory Grains => Host.Services.GetRequiredService<IGrainFactory>();

    [Fact]
    public async Task A_room_whose_last_user_leaves_clears_its_presence_record()
    {
        var key = ApiHost.NewKey("room");
        var room = Grains.GetGrain<IChatRoomGrain>(key);

        await room.ReportPresence("node-a", ["ada"], Lease);
        await room.ReportPresence("node-b", ["bob"], Lease);
        Assert.Equal(1, await RowsAsync(key, "presence"));

        await room.ReportPresence("node-a", [], Lease);
        Assert.Equal(1, await RowsAsync(key, "presence"));
        await room.ReportPresence("node-b", [], Lease);

        Assert.Equal(0, await RowsAsync(key, "presence"));
        Assert.Empty((await room.GetSummary()).OnlineUsers);
        // Reported empty again: still nothing written.
        await room.ReportPresence("node-a", [], Lease);
        Assert.Equal(0, await RowsAsync(key));
    }

    [Fact]
    public async Task Marking_read_in_a_room_without_messages_writes_nothing()
    {
        var key = ApiHost.NewKey("room");
        var room = Grains.GetGrain<IChatRoomGrain>(key);

        await room.MarkRead("ada", 0);

        Assert.Equal(0, await RowsAsync(key));
        Assert.Equal(0, await StreamRowsAsync("chat", key));
        await Assert.ThrowsAsync<ArgumentException>(() => room.MarkRead("ada", 1));
    }

    [Fact]
    public async Task A_queue_left_without_messages_or_consumers_clears_its_records()
    {
        var key = ApiHost.NewKey("queue");
        var queue = Grains.GetGrain<IMessageQueueGrain>(key);

        await queue.ReportConsumers("node-a", ["c1"], Lease);
        var first = await queue.Enqueue(JsonSerializer.SerializeToElement(new { n = 1 }));
        var second = await queue.Enqueue(JsonSerializer.SerializeToElement(new { n = 2 }));
        Assert.Equal(1, await RowsAsync(key, "state"));
        Assert.Equal(1, await RowsAsync(key, "consumers"));

        Assert.True((await queue.Acknowledge("c1", [first], null)).AllHeld);
        Assert.Equal(1, await RowsAsync(key, "state"));
        Assert.True((await queue.Acknowledge("c1", [second], null)).AllHeld);
        Assert.Equal(0, await RowsAsync(key, "state"));

        await queue.ReportConsumers("node-a", [], Lease);
        Assert.Equal(0, await RowsAsync(key));
        var stats = await queue.GetStats();
        Assert.Equal((0, 0), (stats.Depth, stats.InFlight));

        // Ids do not repeat while the queue is active, although nothing of it is stored.
        await queue.ReportConsumers("node-a", ["c1"], Lease);
        Assert.True(await queue.Enqueue(JsonSerializer.SerializeToElement(new { n = 3 })) > second);
    }

    private Task<long> RowsAsync(string key, string? stateName = null) => Count(
        "SELECT COUNT(*) FROM grain_state WHERE grain_key LIKE '%' || $key AND ($name IS NULL OR state_name = $name)",
        command =>
        {
            command.Parameters.AddWithValue("$key", key);
            command.Parameters.AddWithValue("$name", (object?)stateName ?? DBNull.Value);
        });

    private Task<long> StreamRowsAsync(string streamNamespace, string key) => Count(
        """
        SELECT (SELECT COUNT(*) FROM stream_log WHERE stream_ns = $ns AND stream_key = $key)
             + (SELECT COUNT(*) FROM stream_event WHERE stream_ns = $ns AND stream_key = $key)
        """,
        command =>
        {
            command.Parameters.AddWithValue("$ns", streamNamespace);
            command.Parameters.AddWithValue("$key", key);
        });

    private Task<long> Count(string sql, Action<SqliteCommand> bind) => CountIn(Host, sql, bind);

    private static async Task<long> CountIn(ApiHost host, string sql, Action<SqliteCommand> bind)
    {
        var file = Path.Combine(host.Root, "data", "grainstream.db");
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
