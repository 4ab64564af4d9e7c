using GrainStream.Grains;
using GrainStream.Silo;
using Orleans.Dashboard;

namespace GrainStream.Api.Hosting;

/// <summary>How the API gets its grains: an embedded Orleans silo on SQLite (default) or a cluster client.</summary>
/// <remarks>Configuration: <c>GrainStream:Mode</c> (<c>Embedded</c>|<c>Client</c>); for the embedded
/// silo see <see cref="EmbeddedSiloExtensions"/> (<c>GrainStream:SiloPort</c>,
/// <c>GrainStream:GatewayPort</c>, <c>GrainStream:DataDirectory</c>, <c>GrainStream:Sqlite</c>,
/// <c>GrainStream:Streams</c>); for the client the <c>Cluster</c> section (<see cref="ClusterSettings"/>,
/// <c>Cluster:Postgres</c> required).</remarks>
public static class BackendHostingExtensions
{
    /// <summary>Registers the silo or the client, and the grains' services.</summary>
    public static WebApplicationBuilder AddGrainStreamBackend(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var mode = configuration.GetValue("GrainStream:Mode", GrainStreamMode.Embedded);
        var dashboard = configuration.GetValue(ApiOptions.DashboardKey, true);
        switch (mode)
        {
            case GrainStreamMode.Embedded:
                builder.UseOrleans(silo =>
                {
                    silo.UseGrainStreamEmbedded(configuration);
                    if (dashboard) silo.AddDashboard(DashboardDefaults.Configure);
                });
                break;
            case GrainStreamMode.Client:
                builder.UseOrleansClient(client =>
                {
                    client.UseGrainStreamCluster(configuration);
                    // The page is served here; its figures come from the dashboard's grains on the silos.
                    if (dashboard) client.AddDashboard(DashboardDefaults.Configure);
                });
                break;
            default:
                throw new InvalidOperationException($"GrainStream:Mode '{mode}' is not a mode; use Embedded or Client.");
        }
        // The grains' options, hosted services and JSON metadata (once, whichever mode registered them).
        builder.Services.AddGrainStreamPlatform(configuration);
        return builder;
    }
}
