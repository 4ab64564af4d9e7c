using GrainStream.Api.Browsers;

namespace GrainStream.Api.Hosting;

/// <summary>What browsers may do from pages of other origins: CORS from <c>Cors:AllowedOrigins</c>
/// (default none), the Origin check of state-changing requests (<see cref="OriginCheck"/>), and
/// which hosts the server answers for (<see cref="AllowedHostCheck"/>).</summary>
public static class BrowserServiceCollectionExtensions
{
    /// <summary>Binds <see cref="CorsSettings"/>; with allowed origins, a default CORS policy for them
    /// (any header and method, cookies allowed, the headers clients read exposed).</summary>
    public static WebApplicationBuilder AddGrainStreamBrowsers(this WebApplicationBuilder builder)
    {
        // AllowedHosts is checked by AllowedHostCheck, which answers with problem details; the
        // framework's own filter (an HTML answer) lets every host through to it.
        builder.Services.AddSingleton<AllowedHosts>();
        builder.Services.PostConfigure<Microsoft.AspNetCore.HostFiltering.HostFilteringOptions>(options => options.AllowedHosts = ["*"]);
        var section = builder.Configuration.GetSection(CorsSettings.Section);
        builder.Services.Configure<CorsSettings>(section);
        var origins = section.Get<CorsSettings>()?.AllowedOrigins ?? [];
        if (origins.Length == 0) return builder;
        builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
            .WithOrigins(origins)
            .AllowAnyHeader()
            .AllowAnyMethod()
            .AllowCredentials()
            .WithExposedHeaders("Location", "Retry-After", "WWW-Authenticate")));
        return builder;
    }

    /// <summary>True when a CORS policy was registered (some origin is allowed).</summary>
    internal static bool HasCorsPolicy(IConfiguration configuration)
        => configuration.GetSection(CorsSettings.Section).Get<CorsSettings>()?.AllowedOrigins is { Length: > 0 };
}
