using GrainStream.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;

// One silo of the cluster mode. Configuration (command line --Cluster:Postgres=..., environment
// Cluster__Postgres=..., or appsettings.json in the working directory): see ClusterSettings.
var builder = Host.CreateApplicationBuilder(args);
// Quiet defaults that any other source overrides: Orleans logs at Information are chatty.
builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
{
    InitialData = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Orleans"] = "Warning",
        ["Logging:LogLevel:Microsoft"] = "Warning",
        ["Logging:LogLevel:Polly"] = "Warning",
    },
});
try
{
    builder.UseOrleans(silo => silo.UseGrainStreamCluster(builder.Configuration));
}
catch (InvalidOperationException exception)
{
    // A configuration mistake (no Cluster:Postgres, a bad port): say what, without a stack trace.
    Console.Error.WriteLine($"GrainStream.Silo: {exception.Message}");
    return 2;
}

using var host = builder.Build();
var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
lifetime.ApplicationStarted.Register(() =>
{
    // Orleans' hosted service has started the silo by now: it is an active member of the cluster.
    var silo = host.Services.GetRequiredService<ILocalSiloDetails>();
    var cluster = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClusterOptions>>().Value;
    host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("GrainStream.Silo")
        .LogInformation("Silo {Silo} joined cluster {Cluster} (gateway port {GatewayPort})", silo.SiloAddress, cluster.ClusterId, silo.GatewayAddress?.Endpoint.Port);
});
await host.RunAsync();
return 0;
