using GrainStream.Api.Errors;
using GrainStream.Persistence.Postgres;
using GrainStream.Streams;
using GrainStream.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace GrainStream.Tests.Api;

/// <summary>What a grain fails with during a failover reaches the API node as itself, through Orleans'
/// serializer as the silos and clients configure it, and the API answers 503 (try again), never 500.</summary>
public sealed class FailoverErrorTests
{
    public static TheoryData<Exception> FailoverErrors() => new()
    {
        new SiloFencedException("The cluster declared this silo dead.", new Npgsql.PostgresException("silo declared dead", "ERROR", "ERROR", PostgresSiloFence.SqlState)),
        new Npgsql.NpgsqlException("connection refused"),
        // A grain state write refused by the fence, as Orleans' storage bridge rethrows it.
        new OrleansException("Error from storage provider during WriteStateAsync", new SiloFencedException("The cluster declared this silo dead.", new InvalidOperationException("GS001"))),
        new StreamPositionConflictException("stale", new EventPosition(1, 5), new EventPosition(2, 9)),
        new EventLogConflictException("taken"),
    };

    [Theory]
    [MemberData(nameof(FailoverErrors))]
    public void A_failover_error_crosses_the_wire_as_itself_and_is_answered_503(Exception error)
    {
        var received = ContractWire.RoundTrip<Exception>(error);

        Assert.IsType(error.GetType(), received);
        Assert.Equal(error.Message, received.Message);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, ProblemMapping.Map(ProblemMapping.Cause(received)).Status);
    }

    [Fact]
    public void A_storage_error_wrapped_by_Orleans_is_answered_with_its_cause()
    {
        var fenced = new SiloFencedException("The cluster declared this silo dead.", new InvalidOperationException("GS001"));

        var cause = ProblemMapping.Cause(new OrleansException("Error from storage provider during WriteStateAsync", fenced));

        Assert.Same(fenced, cause);
        Assert.Equal(StatusCodes.Status500InternalServerError, ProblemMapping.Map(new OrleansException("no cause")).Status);
    }
}
