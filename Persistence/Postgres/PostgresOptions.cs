namespace GrainStream.Persistence.Postgres;

/// <summary>Which PostgreSQL database the cluster's providers share and how they use it. The values
/// are read once, when a <see cref="PostgresDatabase"/> is created.</summary>
public sealed class PostgresOptions
{
    /// <summary>The Npgsql connection string (the <c>Cluster:Postgres</c> setting). Required.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>How long one statement may run before it fails; default 30 seconds.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
