namespace GrainStream.Api.Hosting;

/// <summary>Builds the application: <c>Program</c> runs it, tests start it on Kestrel at
/// <c>http://127.0.0.1:0</c> with their own configuration (and restart it on the same data).</summary>
public static class GrainStreamApi
{
    /// <summary>A builder with the backend (silo or client) and the API's services registered.
    /// <paramref name="configure"/> runs first, so configuration it adds decides the mode, the data
    /// directory and every option.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args, Action<WebApplicationBuilder>? configure = null)
        => CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = DefaultContentRoot() }, configure);

    /// <inheritdoc cref="CreateBuilder(string[], Action{WebApplicationBuilder}?)"/>
    public static WebApplicationBuilder CreateBuilder(WebApplicationOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(options);
        configure?.Invoke(builder);
        builder.AddGrainStreamBackend();
        builder.AddGrainStreamApi();
        builder.AddGrainStreamAuth();
        builder.AddGrainStreamBrowsers();
        return builder;
    }

    /// <summary>The content root (appsettings.json, wwwroot): the current directory when it holds
    /// them (running from the project directory), else the application's own directory, where the
    /// build copies them. So <c>dotnet run --project Api</c> serves the demo page from anywhere, while
    /// relative data paths (<c>./data</c>, <c>./logs</c>) stay relative to where it was started.</summary>
    private static string? DefaultContentRoot()
    {
        var current = Directory.GetCurrentDirectory();
        if (File.Exists(Path.Combine(current, "appsettings.json")) || Directory.Exists(Path.Combine(current, "wwwroot"))) return null;
        return Directory.Exists(Path.Combine(AppContext.BaseDirectory, "wwwroot")) ? AppContext.BaseDirectory : null;
    }

    /// <summary>Builds the application with its pipeline and endpoints.</summary>
    public static WebApplication Build(WebApplicationBuilder builder) => builder.Build().UseGrainStreamApi();
}
