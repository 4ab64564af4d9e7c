using GrainStream.Persistence.Sqlite;
using Microsoft.Data.Sqlite;
using Xunit;

namespace GrainStream.Tests.Persistence;

/// <summary>Writes that queue while the writer is busy share one transaction, each in a savepoint.</summary>
public sealed class SqliteGroupCommitTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly TemporaryDatabaseFile _file = new();
    private readonly SqliteDatabase _database;

    public SqliteGroupCommitTests()
    {
        _database = _file.Open();
        _database.EnsureCreatedAsync().GetAwaiter().GetResult();
        using var connection = _database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)";
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _database.Dispose();
        _file.Dispose();
    }

    [Fact]
    public async Task A_write_alone_completes_before_WriteAsync_returns()
    {
        var write = _database.WriteAsync(session => Insert(session, 1, "alone"), CancellationToken.None);

        Assert.True(write.IsCompletedSuccessfully);
        Assert.Equal(1, await write);
        Assert.Equal(["alone"], Notes());
    }

    [Fact]
    public async Task Writes_queued_behind_a_running_write_commit_together_and_a_failing_one_rolls_back_alone()
    {
        using var release = new ManualResetEventSlim();
        var blocker = StartBlockingWrite(release);

        var second = _database.WriteAsync(session => Insert(session, 2, "second"), CancellationToken.None);
        var failing = _database.WriteAsync<int>(session =>
        {
            Insert(session, 3, "never");
            throw new InvalidOperationException("rejected");
        }, CancellationToken.None);
        var fourth = _database.WriteAsync(session => Insert(session, 4, "fourth"), CancellationToken.None);
        Assert.False(second.IsCompleted);
        release.Set();

        Assert.Equal(1, await blocker.WaitAsync(Bound));
        Assert.Equal(2, await second.WaitAsync(Bound));
        Assert.Equal(4, await fourth.WaitAsync(Bound));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => failing.WaitAsync(Bound));
        Assert.Equal("rejected", error.Message);
        Assert.Equal(["first", "second", "fourth"], Notes());
    }

    [Fact]
    public async Task A_write_cancelled_while_queued_does_not_run()
    {
        using var release = new ManualResetEventSlim();
        var blocker = StartBlockingWrite(release);
        using var cancellation = new CancellationTokenSource();
        var cancelled = _database.WriteAsync(session => Insert(session, 2, "cancelled"), cancellation.Token);

        cancellation.Cancel();
        release.Set();

        await blocker.WaitAsync(Bound);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Bound));
        Assert.Equal(["first"], Notes());
    }

    [Fact]
    public async Task Many_concurrent_writers_all_commit()
    {
        await Task.WhenAll(Enumerable.Range(1, 500).Select(i => Task.Run(() => _database.WriteAsync(session => Insert(session, i, $"n{i}"), CancellationToken.None))))
            .WaitAsync(Bound);

        Assert.Equal(500, Notes().Count);
    }

    private static int Insert(SqliteSession session, int id, string text)
    {
        var command = session.Command("INSERT INTO note (id, text) VALUES ($id, $text)");
        command.Parameters.Clear();
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$text", text);
        command.ExecuteNonQuery();
        return id;
    }

    private List<string> Notes()
    {
        using var connection = _database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT text FROM note ORDER BY id";
        using var reader = command.ExecuteReader();
        var notes = new List<string>();
        while (reader.Read()) notes.Add(reader.GetString(0));
        return notes;
    }

    /// <summary>Starts a write of "first" (id 1) that holds the writer until <paramref name="release"/> is set.</summary>
    private Task<int> StartBlockingWrite(ManualResetEventSlim release)
    {
        using var started = new ManualResetEventSlim();
        var blocker = Task.Run(() => _database.WriteAsync(session =>
        {
            started.Set();
            release.Wait(Bound);
            return Insert(session, 1, "first");
        }, CancellationToken.None));
        Assert.True(started.Wait(Bound), "The first write did not start.");
        return blocker;
    }
}
