using System.Net;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Messaging;
using Orleans.Runtime;

namespace GrainStream.Persistence.Postgres;

/// <summary>The gateways of the cluster for Orleans clients: the active silos of
/// <c>gs_membership</c> that accept clients, re-read every <see cref="GatewayOptions.GatewayListRefreshPeriod"/>.</summary>
public sealed class PostgresGatewayListProvider : IGatewayListProvider
{
    private readonly PostgresDatabase _database;
    private readonly string _clusterId;

    /// <summary>The gateways of the cluster <see cref="ClusterOptions.ClusterId"/> in <paramref name="database"/>.</summary>
    public PostgresGatewayListProvider(PostgresDatabase database, IOptions<ClusterOptions> clusterOptions, IOptions<GatewayOptions> gatewayOptions)
    {
        _database = database;
        _clusterId = clusterOptions.Value.ClusterId;
        MaxStaleness = gatewayOptions.Value.GatewayListRefreshPeriod;
    }

    /// <inheritdoc />
    public TimeSpan MaxStaleness { get; }

    /// <inheritdoc />
    public bool IsUpdatable => true;

    /// <inheritdoc />
    public Task InitializeGatewayListProvider() => _database.EnsureSchemaAsync();

    /// <inheritdoc />
    public async Task<IList<Uri>> GetGateways()
    {
        await using var command = _database.DataSource.CreateCommand(
            "SELECT address, proxy_port, generation FROM gs_membership WHERE cluster_id = $1 AND status = $2 AND proxy_port > 0");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = _clusterId });
        command.Parameters.Add(new Npgsql.NpgsqlParameter<int> { TypedValue = (int)SiloStatus.Active });
        await using var reader = await command.ExecuteReaderAsync();
        var gateways = new List<Uri>();
        while (await reader.ReadAsync())
        {
            gateways.Add(SiloAddress.New(IPAddress.Parse(reader.GetString(0)), reader.GetInt32(1), reader.GetInt32(2)).ToGatewayUri());
        }
        return gateways;
    }
}
