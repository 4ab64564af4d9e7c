using GrainStream.Grains;
using GrainStream.Streams;
using Microsoft.Extensions.Configuration;
using Orleans.Hosting;

namespace GrainStream.Silo;

/// <summary>The GrainStream platform on an Orleans silo, whatever its clustering and storage.</summary>
public static class GrainStreamSiloExtensions
{
    /// <summary>Adds the platform's grains and their services (options from the sections <c>Chat</c>,
    /// <c>Stocks</c>, <c>Tasks</c>, <c>Logs</c>, <c>Queues</c>), the <c>events</c> stream provider
    /// (options from <c>GrainStream:Streams</c>) and reminders. Storage, the reminder table and the
    /// event log come from the persistence provider the host adds (e.g. <c>UseSqlite</c>).</summary>
    public static ISiloBuilder UseGrainStreamSilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.AddGrainStreamEvents(GrainStreamEventsExtensions.DefaultProviderName, o => configuration.GetSection("GrainStream:Streams").Bind(o));
        silo.AddReminders();
        silo.Services.AddGrainStreamPlatform(configuration);
        return silo;
    }
}
