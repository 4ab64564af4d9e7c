using GrainStream.Grains.Chat;
using Orleans.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Platform.Chat;

/// <summary>One cluster for the chat specifications (each uses its own rooms). The message cache is
/// tiny so that history calls also exercise the reads from the stream log.</summary>
public sealed class ChatClusterFixture : IAsyncLifetime
{
    public const int CacheSize = 5;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await GrainClusterFactory.StartAsync(silo =>
    {
        silo.Services.AddChatGrains(silo.Configuration);
        silo.Services.Configure<ChatOptions>(o =>
        {
            o.MessageCacheSize = CacheSize;
            o.HistoryReadBatch = 4;
            o.PresenceSweepInterval = TimeSpan.FromMilliseconds(200);
        });
    });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
