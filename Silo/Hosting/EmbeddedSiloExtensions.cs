using GrainStream.Persistence;
using GrainStream.Persistence.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;

namespace GrainStream.Silo;

/// <summary>The embedded mode: one silo in the API's process, localhost clustering, SQLite under the
/// data directory. Nothing to install.</summary>
public static class EmbeddedSiloExtensions
{
    /// <summary>Configures <paramref name="silo"/> as the embedded silo. Configuration:
    /// <c>GrainStream:SiloPort</c> (default 11111), <c>GrainStream:GatewayPort</c> (default 30000),
    /// <c>GrainStream:DataDirectory</c> (default <c>./data</c>, holding <c>grainstream.db</c>),
    /// <c>GrainStream:Sqlite</c> (SQLite options, e.g. <c>Synchronous</c>, <c>WalSizeLimit</c>),
    /// <c>GrainStream:Reminders:MinimumReminderPeriod</c> and the sections of <see cref="GrainStreamSiloExtensions.UseGrainStreamSilo"/>.</summary>
    public static ISiloBuilder UseGrainStreamEmbedded(this ISiloBuilder silo, IConfiguration configuration)
    {
        var siloPort = configuration.GetValue("GrainStream:SiloPort", EndpointOptions.DEFAULT_SILO_PORT);
        var gatewayPort = configuration.GetValue("GrainStream:GatewayPort", EndpointOptions.DEFAULT_GATEWAY_PORT);
        var dataDirectory = configuration["GrainStream:DataDirectory"] is { Length: > 0 } configured ? configured : "./data";
        silo.UseLocalhostClustering(siloPort, gatewayPort)
            .UseGrainStreamSilo(configuration)
            .UseSqlite(o =>
            {
                configuration.GetSection("GrainStream:Sqlite").Bind(o);
                o.ConnectionString = SqliteConnectionStrings.ForFile(Path.Combine(dataDirectory, "grainstream.db"));
            });
        silo.Services.Configure<ReminderOptions>(configuration.GetSection("GrainStream:Reminders"));
        return silo;
    }
}
