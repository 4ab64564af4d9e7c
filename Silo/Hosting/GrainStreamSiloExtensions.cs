using GrainStream.Grains;
using GrainStream.Streams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;

namespace GrainStream.Silo;

/// <summary>The GrainStream platform on an Orleans silo, whatever its clustering and storage.</summary>
public static class GrainStreamSiloExtensions
{
    /// <summary>Adds the platform's grains and their services (options from the sections <c>Chat</c>,
    /// <c>Stocks</c>, <c>Tasks</c>, <c>Logs</c>, <c>Queues</c>), the <c>events</c> stream provider
    /// (options from <c>GrainStream:Streams</c>) and reminders. Storage, the reminder table and the
    /// event log come from the persistence provider the host adds (e.g. <c>UseSqlite</c>).
    /// Idle activations are shed when memory runs short (Orleans' <see cref="GrainCollectionOptions"/>,
    /// from <c>GrainStream:GrainCollection</c>).</summary>
    public static ISiloBuilder UseGrainStreamSilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.AddGrainStreamEvents(GrainStreamEventsExtensions.DefaultProviderName, o => configuration.GetSection("GrainStream:Streams").Bind(o));
        silo.AddReminders();
        silo.Services.AddGrainStreamPlatform(configuration);
        // Every entity anyone names becomes an activation (a room and its stream's hub: ~8 KB) that
        // Orleans keeps for 15 idle minutes: a flood of new names would otherwise grow the silo until
        // it is killed. Above 80 % of the memory available the least recently used ones go.
        silo.Services.AddOptions<GrainCollectionOptions>()
            .Configure(o => o.EnableActivationSheddingOnMemoryPressure = true)
            .Bind(configuration.GetSection("GrainStream:GrainCollection"));
        return silo;
    }
}
