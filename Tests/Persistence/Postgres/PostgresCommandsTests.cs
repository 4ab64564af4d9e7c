using GrainStream.Persistence.Postgres;
using Npgsql;

namespace GrainStream.Tests.Persistence.Postgres;

/// <summary>The providers' writes rely on a batch without BEGIN being one transaction: the fence's
/// lock must last until the write commits, and a failed statement must undo the ones before it.</summary>
public sealed class PostgresCommandsTests : IAsyncLifetime
{
    private readonly PostgresTestDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task A_fenced_write_batch_runs_in_one_transaction_with_its_fence()
    {
        var fence = await _db.RegisterLiveSiloAsync();

        var (first, second) = await PostgresCommands.WriteAsync(
            _db.Database, fence, "test",
            [PostgresCommands.Statement("SELECT txid_current()"), PostgresCommands.Statement("SELECT txid_current()")],
            async (reader, ct) =>
            {
                var a = await PostgresCommands.ScalarAsync<long>(reader, ct);
                await reader.NextResultAsync(ct);
                return (a, await PostgresCommands.ScalarAsync<long>(reader, ct));
            },
            CancellationToken.None);

        Assert.NotNull(first);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task A_failing_statement_undoes_the_statements_before_it_in_the_batch()
    {
        await _db.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY)");

        await Assert.ThrowsAsync<PostgresException>(() => PostgresCommands.WriteAsync(
            _db.Database, PostgresSiloFence.None, "test",
            [PostgresCommands.Statement("INSERT INTO t VALUES (1)"), PostgresCommands.Statement("INSERT INTO t VALUES (1)")],
            static (_, _) => Task.FromResult(0),
            CancellationToken.None));

        Assert.Equal(0L, await _db.CountAsync("t"));
    }
}
