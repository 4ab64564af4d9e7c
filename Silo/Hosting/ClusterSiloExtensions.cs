using GrainStream.Grains.Logs;
using GrainStream.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;

namespace GrainStream.Silo;

/// <summary>The cluster mode's silo: membership, grain state, reminders and the event log in
/// PostgreSQL, the failure-detection settings the cluster is documented with.</summary>
public static class ClusterSiloExtensions
{
    /// <summary>Configures <paramref name="silo"/> as a member of the cluster described by the
    /// <c>Cluster</c> section (<see cref="ClusterSettings"/>), with the platform of
    /// <see cref="GrainStreamSiloExtensions.UseGrainStreamSilo"/> and <see cref="ClusterDefaults"/>.</summary>
    public static ISiloBuilder UseGrainStreamCluster(this ISiloBuilder silo, IConfiguration configuration)
    {
        var settings = ClusterSettings.From(configuration);
        silo.Configure<ClusterOptions>(settings.ApplyTo);
        silo.ConfigureEndpoints(settings.ResolveAdvertisedAddress(), settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
        silo.UsePostgresClustering(o => o.ConnectionString = settings.Postgres);
        silo.UseGrainStreamSilo(configuration);
        silo.UsePostgres(o =>
        {
            configuration.GetSection("GrainStream:Postgres").Bind(o);
            o.ConnectionString = settings.Postgres;
        });
        ClusterDefaults.Apply(silo.Services);
        silo.Services.Configure<ReminderOptions>(configuration.GetSection("GrainStream:Reminders"));
        // Operators override the defaults with the sections of Orleans' own options.
        silo.Services.Configure<ClusterMembershipOptions>(configuration.GetSection("Orleans:Membership"));
        // A cluster's log root is shared by every silo and reachable by every client: appends may
        // only extend files that exist, unless Logs:AllowCreate says otherwise.
        silo.Services.PostConfigure<LogOptions>(o => o.AllowCreate ??= false);
        return silo;
    }
}
