using GrainStream.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;

namespace GrainStream.Tests.Hosting;

/// <summary>A GrainStream silo sheds idle activations when memory runs short (a flood of new entity
/// names would otherwise grow it until it is killed), unless configured otherwise.</summary>
public sealed class ActivationSheddingTests
{
    [Fact]
    public void A_silo_sheds_idle_activations_on_memory_pressure_by_default()
    {
        var options = GrainCollectionOf(new Dictionary<string, string?>());

        Assert.True(options.EnableActivationSheddingOnMemoryPressure);
        Assert.Equal(80, options.MemoryUsageLimitPercentage);
    }

    [Fact]
    public void The_shedding_and_its_thresholds_follow_the_configuration()
    {
        var options = GrainCollectionOf(new Dictionary<string, string?>
        {
            ["GrainStream:GrainCollection:EnableActivationSheddingOnMemoryPressure"] = "false",
            ["GrainStream:GrainCollection:MemoryUsageLimitPercentage"] = "90",
            ["GrainStream:GrainCollection:CollectionAge"] = "00:05:00",
        });

        Assert.False(options.EnableActivationSheddingOnMemoryPressure);
        Assert.Equal(90, options.MemoryUsageLimitPercentage);
        Assert.Equal(TimeSpan.FromMinutes(5), options.CollectionAge);
    }

    private static GrainCollectionOptions GrainCollectionOf(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.UseOrleans(silo => silo.UseLocalhostClustering().UseGrainStreamSilo(builder.Configuration));
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<GrainCollectionOptions>>().Value;
    }
}
