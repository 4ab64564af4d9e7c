using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GrainStream.Api.Hosting;
using GrainStream.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Api;

/// <summary>The real application on Kestrel at 127.0.0.1 (a free port), with an embedded silo on a
/// SQLite file in a temporary directory and a temporary log root; restartable on the same files.</summary>
public sealed class ApiHost : IAsyncDisposable
{
    private static readonly Orleans.TestingHost.TestClusterPortAllocator PortAllocator = new();

    private readonly Dictionary<string, string?> _settings;
    private readonly bool _ownsDirectory;
    private readonly Action<IServiceCollection>? _services;
    private readonly Action<IServiceCollection>? _decorate;
    private WebApplication? _app;

    private ApiHost(string root, Dictionary<string, string?> settings, bool ownsDirectory, Action<IServiceCollection>? services, Action<IServiceCollection>? decorate)
    {
        Root = root;
        _settings = settings;
        _ownsDirectory = ownsDirectory;
        _services = services;
        _decorate = decorate;
    }

    /// <summary>The temporary directory holding <c>data/</c> and <c>logs/</c>.</summary>
    public string Root { get; }

    public string LogRoot => Path.Combine(Root, "logs");

    public HttpClient Client { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    /// <summary>Starts an application; <paramref name="settings"/> override the test defaults,
    /// <paramref name="services"/> registers replacements before the app's
    /// own defaults (a test's <see cref="TimeProvider"/>, say); <paramref name="decorate"/> runs after
    /// them, to wrap one (the silo's event log, say).</summary>
    public static async Task<ApiHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, string? root = null, Action<IServiceCollection>? services = null, Action<IServiceCollection>? decorate = null)
    {
        var (siloPort, gatewayPort) = PortAllocator.AllocateConsecutivePortPairs(1);
        var directory = root ?? Path.Combine(Path.GetTempPath(), "grainstream-api-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(directory, "logs"));
        var all = new Dictionary<string, string?>
        {
            // Ports from Orleans' test allocator, which keeps parallel tests (and processes) apart.
            ["GrainStream:SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GrainStream:GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GrainStream:DataDirectory"] = Path.Combine(directory, "data"),
            ["Logs:Root"] = Path.Combine(directory, "logs"),
            ["Logs:PollInterval"] = "00:00:00.200",
            ["Stocks:Simulate"] = "false",
            ["Tasks:DemoWorker"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Error",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        var host = new ApiHost(directory, all, ownsDirectory: root is null, services, decorate);
        await host.StartAppAsync();
        return host;
    }

    private async Task StartAppAsync()
    {
        var options = new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = ApiProjectDirectory(),
            EnvironmentName = "Production",
        };
        var builder = GrainStreamApi.CreateBuilder(options, b =>
        {
            b.Configuration.AddInMemoryCollection(_settings);
            _services?.Invoke(b.Services);
            b.WebHost.UseUrls("http://127.0.0.1:0");
        });
        _decorate?.Invoke(builder.Services);
        var app = GrainStreamApi.Build(builder);
        await app.StartAsync();
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Stops the application (streams end, the silo stops) and starts a new one on the same files.</summary>
    public async Task RestartAsync()
    {
        await StopAppAsync();
        await StartAppAsync();
    }

    private async Task StopAppAsync()
    {
        Client?.Dispose();
        if (_app is null) return;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
        _app = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAppAsync();
        if (_ownsDirectory)
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The Api project's directory (for its wwwroot), found from the test binaries upwards.</summary>
    private static string ApiProjectDirectory()
    {
        var api = RepositoryRoot.Find() is { } root ? Path.Combine(root, "Api") : null;
        return api is not null && Directory.Exists(api) ? api : AppContext.BaseDirectory;
    }

    // Small HTTP helpers: JSON in, JsonNode out.

    public Task<HttpResponseMessage> PostJsonAsync(string path, object body)
        => Client.PostAsync(path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));

    public Task<HttpResponseMessage> PostRawAsync(string path, string body, string contentType)
        => Client.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));

    public async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        return await Read(response, System.Net.HttpStatusCode.OK);
    }

    /// <summary>Asserts the status and returns the body as JSON.</summary>
    public static async Task<JsonNode> Read(HttpResponseMessage response, System.Net.HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected} but got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Asserts an RFC 9457 problem with <paramref name="status"/> and returns it.</summary>
    public static async Task<JsonNode> ReadProblem(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status} but got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal(status, problem["status"]!.GetValue<int>());
        return problem;
    }

    public static string NewKey(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 128)];
}

/// <summary>An <see cref="ApiHost"/> per test class.</summary>
public class ApiFixture : IAsyncLifetime
{
    public ApiHost Host { get; private set; } = null!;

    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public async Task InitializeAsync() => Host = await ApiHost.StartAsync(Settings);

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
