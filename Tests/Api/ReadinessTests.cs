using System.Net;
using GrainStream.Persistence.Sqlite;
using GrainStream.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Api;

/// <summary>Readiness when the database cannot be written: another connection holds SQLite's write
/// lock (as another process or a stuck backup would) longer than the busy timeout.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Ready_is_503_problem_while_the_database_takes_no_writes_and_200_again_after()
    {
        await using var host = await ApiHost.StartAsync(new Dictionary<string, string?>
        {
            ["GrainStream:Sqlite:BusyTimeout"] = "00:00:00.200",
            ["Api:ReadinessTimeout"] = "00:00:01",
        });
        using (var ready = await host.Client.GetAsync("/health/ready")) Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        var database = host.Services.GetRequiredService<SqliteDatabase>();
        using (var blocker = database.OpenConnection())
        {
            using var begin = blocker.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();

            using var notReady = await host.Client.GetAsync("/health/ready");
            var problem = await ApiHost.ReadProblem(notReady, 503);
            Assert.Contains("database", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);

            using var rollback = blocker.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        }
        await Eventually.TrueAsync(async () =>
        {
            using var again = await host.Client.GetAsync("/health/ready");
            return again.StatusCode == HttpStatusCode.OK;
        }, "ready again once the lock is gone");
    }
}
