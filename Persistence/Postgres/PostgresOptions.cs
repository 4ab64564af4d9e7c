namespace GrainStream.Persistence.Postgres;

/// <summary>Which PostgreSQL database the cluster's providers share and how they use it. The values
/// are read once, when a <see cref="PostgresDatabase"/> is created.</summary>
public sealed class PostgresOptions
{
    /// <summary>The Npgsql connection string (the <c>Cluster:Postgres</c> setting). Required.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>How many events the event log keeps per stream; default 10,000. Older events are
    /// trimmed in bulk, so a log may briefly hold up to a tenth more.</summary>
    public int MaxEventsPerStream { get; set; } = 10_000;

    /// <summary>How long one statement may run before it fails; default 30 seconds.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
