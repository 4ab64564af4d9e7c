using GrainStream.Grains;
using GrainStream.Runtime.Configuration;
using GrainStream.Runtime.Hosting;
using GrainStream.Sqlite;

namespace GrainStream.Api.Hosting;

/// <summary>How the API gets its grains: an embedded silo on SQLite (default) or a cluster client.</summary>
/// <remarks>Configuration: <c>GrainStream:Mode</c> (<c>Embedded</c>|<c>Client</c>),
/// <c>GrainStream:SiloPort</c> (default 11111; 0 picks a free port), <c>GrainStream:DataDirectory</c>
/// (default <c>./data</c>, holding <c>grainstream.db</c>), and the runtime's option sections
/// <c>GrainStream:Streams</c>, <c>GrainStream:Messaging</c> and <c>GrainStream:Sqlite</c>
/// (e.g. <c>MaxEventsPerStream</c>).</remarks>
public static class BackendHostingExtensions
{
    /// <summary>Registers the silo or the client, and the grains' services.</summary>
    public static WebApplicationBuilder AddGrainStreamBackend(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var mode = configuration.GetValue("GrainStream:Mode", GrainStreamMode.Embedded);
        switch (mode)
        {
            case GrainStreamMode.Embedded:
                builder.UseGrainStreamSilo(silo =>
                {
                    var dataDirectory = configuration["GrainStream:DataDirectory"] is { Length: > 0 } configured ? configured : "./data";
                    silo.UseLocalhostClustering(port: configuration.GetValue("GrainStream:SiloPort", 11111))
                        .UseSqlite(o =>
                        {
                            configuration.GetSection("GrainStream:Sqlite").Bind(o);
                            o.ConnectionString = "Data Source=" + Path.Combine(dataDirectory, "grainstream.db");
                        });
                    silo.Services.Configure<StreamOptions>(configuration.GetSection("GrainStream:Streams"));
                    silo.Services.Configure<MessagingOptions>(configuration.GetSection("GrainStream:Messaging"));
                });
                break;
            case GrainStreamMode.Client:
                // A cluster client finds its silos in a membership table; the PostgreSQL one comes with
                // the cluster mode. Until then this mode cannot start, and says why.
                throw new InvalidOperationException(
                    "GrainStream:Mode=Client needs a membership table to find the cluster's silos (PostgreSQL clustering), which is not configured. " +
                    "Use GrainStream:Mode=Embedded (the default) to host a silo in this process.");
            default:
                throw new InvalidOperationException($"GrainStream:Mode '{mode}' is not a mode; use Embedded or Client.");
        }
        // The grains' options, hosted services and JSON contexts (GrainsJsonContext included, so the
        // silo or client serialises the grains' records with it).
        builder.Services.AddGrainStreamPlatform(configuration);
        return builder;
    }
}
