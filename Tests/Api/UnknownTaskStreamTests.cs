using Microsoft.Data.Sqlite;

namespace GrainStream.Tests.Api;

/// <summary>A GET never leaves permanent state behind: the event stream of an unknown task is a 404
/// decided before the task's stream is opened (opening it writes the stream's log row for good).</summary>
public sealed class UnknownTaskStreamTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private ApiHost Host => fixture.Host;

    [Fact]
    public async Task Following_an_unknown_task_is_404_and_leaves_no_stream_log_row()
    {
        var id = Guid.NewGuid().ToString("N");
        using (var response = await SseClient.SendAsync(Host.Client, $"/api/tasks/{id}/events")) await ApiHost.ReadProblem(response, 404);
        Assert.Equal(0, await StreamLogRowsAsync(id));

        // A known task's stream opens as before.
        using var created = await Host.PostJsonAsync("/api/tasks", new { type = "t" });
        var known = (await ApiHost.Read(created, System.Net.HttpStatusCode.Created))["id"]!.GetValue<string>();
        await using var stream = await SseClient.OpenAsync(Host.Client, $"/api/tasks/{known}/events");
        Assert.Equal(1, await StreamLogRowsAsync(known));
    }

    private async Task<long> StreamLogRowsAsync(string taskId)
    {
        var file = Path.Combine(Host.Root, "data", "grainstream.db");
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM stream_log WHERE stream_key = $key";
        command.Parameters.AddWithValue("$key", taskId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
