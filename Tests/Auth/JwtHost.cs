using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GrainStream.Api.Auth;
using GrainStream.Tests.Api;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Auth;

/// <summary>An <see cref="ApiHost"/> in the Jwt mode, with helpers to mint tokens with its key and
/// clock and to send requests with a token.</summary>
public static class JwtHost
{
    public const string SigningKey = "a-test-signing-key-of-at-least-32-bytes!";

    public static Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Jwt",
            ["Auth:SigningKey"] = SigningKey,
            ["Auth:DevTokens"] = "true",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>()) settings[key] = value;
        return settings;
    }

    public static Task<ApiHost> StartAsync(IReadOnlyDictionary<string, string?>? more = null, Action<IServiceCollection>? services = null)
        => ApiHost.StartAsync(Settings(more), services: services);

    /// <summary>A token for <paramref name="subject"/> minted with the host's key and clock.</summary>
    public static string Token(this ApiHost host, string subject, string publish = "", string subscribe = "", TimeSpan? lifetime = null)
        => host.Services.GetRequiredService<DevTokenIssuer>().Mint(subject, Split(publish), Split(subscribe), lifetime).Token;

    private static string[] Split(string patterns) => patterns.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public static async Task<HttpResponseMessage> SendAsync(this ApiHost host, HttpMethod method, string path, string? token, object? json = null, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null) request.Content = new StringContent(JsonSerializer.Serialize(json), Encoding.UTF8, "application/json");
        configure?.Invoke(request);
        return await host.Client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostAsync(this ApiHost host, string path, string? token, object? json = null)
        => host.SendAsync(HttpMethod.Post, path, token, json);

    public static Task<HttpResponseMessage> GetAsync(this ApiHost host, string path, string? token)
        => host.SendAsync(HttpMethod.Get, path, token);

    /// <summary>Opens an event stream with the token in the <c>access_token</c> query parameter, as the demo page does.</summary>
    public static Task<SseClient> OpenStreamAsync(this ApiHost host, string path, string token)
        => SseClient.OpenAsync(host.Client, $"{path}{(path.Contains('?') ? '&' : '?')}access_token={Uri.EscapeDataString(token)}");
}

/// <summary>One Jwt-mode host per test class.</summary>
public sealed class JwtFixture : IAsyncLifetime
{
    public ApiHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await JwtHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
