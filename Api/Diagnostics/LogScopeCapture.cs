namespace GrainStream.Api.Diagnostics;

/// <summary>Whether loggers capture log scopes (<see cref="LoggerFilterOptions.CaptureScopes"/>):
/// only when the console shows them (<c>Logging:Console:FormatterOptions:IncludeScopes</c>, off by
/// default), the one log output here that can.</summary>
/// <remarks>Kestrel opens a scope for every connection and keeps it for the connection's life: the
/// scope's state, the scope provider's entries and an execution context of the connection's own,
/// ~0.2 KB for each open event stream, which nothing reads unless scopes are shown.</remarks>
internal static class LogScopeCapture
{
    /// <summary>The setting that turns scopes on: the console formatter's own.</summary>
    public const string IncludeScopesKey = "Logging:Console:FormatterOptions:IncludeScopes";

    /// <summary>Captures scopes only while <see cref="IncludeScopesKey"/> is true (read again when the configuration reloads).</summary>
    public static ILoggingBuilder CaptureScopesOnlyWhenShown(this ILoggingBuilder logging, IConfiguration configuration)
    {
        logging.Services.Configure<LoggerFilterOptions>(o => o.CaptureScopes = configuration.GetValue(IncludeScopesKey, false));
        return logging;
    }
}
