using GrainStream.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Runtime;

// One silo of the cluster mode. Configuration (command line --Cluster:Postgres=..., environment
// Cluster__Postgres=..., or appsettings.json in the working directory): see ClusterSettings.
// Cluster:MetricsPort (default: none) serves Prometheus metrics at http://*:port/metrics; without it
// the silo runs no HTTP server at all.
var metricsPort = new ConfigurationBuilder()
    .AddJsonFile("appsettings.json", optional: true)
    .AddEnvironmentVariables()
    .AddCommandLine(args)
    .Build()
    .GetValue<int?>("Cluster:MetricsPort");
if (metricsPort is < 0 or > 65535)
{
    Console.Error.WriteLine("GrainStream.Silo: Cluster:MetricsPort must be a port number (1-65535).");
    return 2;
}
IHostApplicationBuilder builder = metricsPort is > 0 ? WebApplication.CreateSlimBuilder(args) : Host.CreateApplicationBuilder(args);
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
    builder.UseOrleans(silo =>
    {
        silo.UseGrainStreamCluster(builder.Configuration);
        // The dashboard's grains, for the API nodes that serve its page (Api:Dashboard).
        if (builder.Configuration.GetValue("Cluster:Dashboard", true)) silo.AddDashboard(DashboardDefaults.Configure);
    });
}
catch (InvalidOperationException exception)
{
    // A configuration mistake (no Cluster:Postgres, a bad port): say what, without a stack trace.
    Console.Error.WriteLine($"GrainStream.Silo: {exception.Message}");
    return 2;
}

IHost host;
if (builder is WebApplicationBuilder web)
{
    web.AddGrainStreamMetrics();
    web.WebHost.ConfigureKestrel(kestrel => kestrel.ListenAnyIP(metricsPort!.Value));
    var app = web.Build();
    app.MapPrometheusScrapingEndpoint();
    host = app;
}
else
{
    host = ((HostApplicationBuilder)builder).Build();
}
using var disposeHost = host;
var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
lifetime.ApplicationStarted.Register(() =>
{
    // Orleans' hosted service has started the silo by now: it is an active member of the cluster.
    var silo = host.Services.GetRequiredService<ILocalSiloDetails>();
    var cluster = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClusterOptions>>().Value;
    host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("GrainStream.Silo")
        .LogInformation("Silo {Silo} joined cluster {Cluster} (gateway port {GatewayPort})", silo.SiloAddress, cluster.ClusterId, silo.GatewayAddress?.Endpoint.Port);
});
try
{
    await host.RunAsync();
    return 0;
}
catch (Exception exception)
{
    // Logged with its stack by the host (the database unreachable at start, a port in use): end
    // with one line and a failure code rather than an unhandled-exception abort.
    Console.Error.WriteLine($"GrainStream.Silo could not run: {exception.Message}");
    return 1;
}
