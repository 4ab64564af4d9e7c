using Npgsql;

namespace GrainStream.Persistence.Postgres;

/// <summary>Refuses the writes of a silo the cluster has declared dead (see
/// <c>gs_assert_silo_alive</c> in the membership schema). Providers open each write transaction with
/// <see cref="AddTo"/>; a refused write throws <see cref="SiloFencedException"/> and changes nothing.</summary>
/// <remarks>Only silos that keep their membership in the same database are fenced; <see cref="None"/>
/// (tests, other clustering) lets every write through.</remarks>
public sealed class PostgresSiloFence
{
    /// <summary>The SQLSTATE <c>gs_assert_silo_alive</c> raises.</summary>
    public const string SqlState = "GS001";

    /// <summary>A fence that lets every write through.</summary>
    public static PostgresSiloFence None { get; } = new(null, null, 0, 0);

    private readonly string? _clusterId;
    private readonly string? _address;
    private readonly int _port;
    private readonly int _generation;

    /// <summary>Fences the writes of the silo <paramref name="address"/>:<paramref name="port"/> of
    /// <paramref name="generation"/> in the cluster <paramref name="clusterId"/>.</summary>
    public PostgresSiloFence(string? clusterId, string? address, int port, int generation)
    {
        _clusterId = clusterId;
        _address = address;
        _port = port;
        _generation = generation;
    }

    /// <summary>Whether writes are checked.</summary>
    public bool IsActive => _clusterId is not null;

    /// <summary>Adds the fence check as the first statement of <paramref name="batch"/> (which must
    /// run in a transaction, so that the check's lock lasts until the write commits).</summary>
    public void AddTo(NpgsqlBatch batch)
    {
        if (!IsActive) return;
        var command = new NpgsqlBatchCommand("SELECT gs_assert_silo_alive($1, $2, $3, $4)");
        command.Parameters.Add(new NpgsqlParameter { Value = _clusterId });
        command.Parameters.Add(new NpgsqlParameter { Value = _address });
        command.Parameters.Add(new NpgsqlParameter { Value = _port });
        command.Parameters.Add(new NpgsqlParameter { Value = _generation });
        batch.BatchCommands.Insert(0, command);
    }

    /// <summary>Whether <paramref name="exception"/> is the fence refusing a write.</summary>
    public static bool IsFenced(Exception exception) => exception is PostgresException { SqlState: SqlState };
}

/// <summary>A write was refused because the cluster has declared the writing silo dead.</summary>
public sealed class SiloFencedException(string message, Exception inner) : Exception(message, inner);
