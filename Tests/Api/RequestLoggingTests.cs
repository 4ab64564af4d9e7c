using System.Net;
using GrainStream.Api.Diagnostics;
using GrainStream.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrainStream.Tests.Api;

/// <summary>The request log: one line per request at Information, event streams once they are live.</summary>
public sealed class RequestLoggingTests
{
    private sealed class Lines : ILoggerProvider
    {
        public List<string> Logged { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose() { }

        private sealed class Logger(Lines lines, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => category == RequestLogging.Category && logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel)) return;
                lock (lines.Logged) lines.Logged.Add(formatter(state, exception));
            }
        }
    }

    [Fact]
    public async Task Each_request_is_one_line_with_method_path_status_and_duration_and_an_event_stream_is_logged_once_live()
    {
        var lines = new Lines();
        await using var host = await ApiHost.StartAsync(
            new Dictionary<string, string?> { [$"Logging:LogLevel:{RequestLogging.Category}"] = "Information" },
            services: s => s.AddSingleton<ILoggerProvider>(lines));
        var room = ApiHost.NewKey("logged");
        using (var posted = await host.PostJsonAsync($"/api/chat/rooms/{room}/messages", new { author = "ops", text = "x" })) Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        using (var missing = await host.Client.GetAsync("/api/nothing-here")) Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        await using (var events = await SseClient.OpenAsync(host.Client, $"/api/chat/rooms/{room}/events"))
        {
            await Eventually.TrueAsync(() => { lock (lines.Logged) return lines.Logged.Any(l => l.Contains("/events", StringComparison.Ordinal)); }, "the stream's line");
        }

        string[] logged;
        lock (lines.Logged) logged = [.. lines.Logged];
        Assert.Matches($@"^POST /api/chat/rooms/{room}/messages 201 \d+\.\d ms$", Assert.Single(logged, l => l.StartsWith("POST", StringComparison.Ordinal)));
        Assert.Matches(@"^GET /api/nothing-here 404 \d+\.\d ms$", Assert.Single(logged, l => l.Contains("nothing-here", StringComparison.Ordinal)));
        Assert.Matches($@"^GET /api/chat/rooms/{room}/events 200 event stream, live after \d+\.\d ms$", Assert.Single(logged, l => l.Contains("/events", StringComparison.Ordinal)));
    }
}
