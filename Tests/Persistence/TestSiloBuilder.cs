using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;

namespace GrainStream.Tests.Persistence;

/// <summary>An <see cref="ISiloBuilder"/> over a bare service collection, to see what a registration adds.</summary>
internal sealed class TestSiloBuilder : ISiloBuilder
{
    public IServiceCollection Services { get; } = new ServiceCollection().AddOptions();

    public IConfiguration Configuration { get; } = new ConfigurationBuilder().Build();
}
