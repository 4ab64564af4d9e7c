using GrainStream.Api.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrainStream.Tests.Api;

/// <summary>Log scopes cost memory for every open connection, so they are captured only when shown.</summary>
public sealed class LogScopeTests
{
    /// <summary>A log output that shows scopes, as the console does with IncludeScopes.</summary>
    private sealed class ScopeRecorder : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider? _scopes;

        public List<object?> Seen { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose() { }

        private sealed class Logger(ScopeRecorder recorder) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (recorder.Seen) recorder._scopes?.ForEachScope(static (scope, seen) => seen.Add(scope), recorder.Seen);
            }
        }
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("false", false)]
    [InlineData("true", true)]
    public async Task Log_scopes_are_captured_only_when_the_console_shows_them(string? includeScopes, bool captured)
    {
        var recorder = new ScopeRecorder();
        await using var host = await ApiHost.StartAsync(
            new Dictionary<string, string?> { [LogScopeCapture.IncludeScopesKey] = includeScopes },
            services: s => s.AddSingleton<ILoggerProvider>(recorder));
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("GrainStream.Tests.Scopes");

        using (logger.BeginScope("connection 42")) logger.LogWarning("inside the scope");

        lock (recorder.Seen) Assert.Equal(captured, recorder.Seen.Contains("connection 42"));
    }
}
