using System.Text.Json;
using GrainStream.Tests.Api;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GrainStream.Tests.Browser;

/// <summary>The demo page in a real browser: Playwright drives Debian's Chromium against the real
/// application on Kestrel (embedded silo, stock simulator and demo task worker on).</summary>
/// <remarks>Offline: Microsoft.Playwright runs its driver (node, shipped inside the NuGet package and
/// copied to the test output under <c>.playwright/</c>) and never downloads a browser, because the
/// browser is launched from <see cref="BrowserFixture.ChromiumPath"/> (<c>GRAINSTREAM_CHROMIUM</c>,
/// else <c>/usr/bin/chromium</c>; <c>scripts/test.sh</c> installs Debian's <c>chromium</c> when it is
/// missing). No <c>playwright install</c> step is needed.</remarks>
public sealed class DemoPageTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    /// <summary>Bound for anything that crosses the stack (post, grain, stream, relay, browser).</summary>
    private const float Wait = 30_000;

    [Fact]
    public async Task A_chat_message_sent_through_the_page_arrives_over_EventSource_in_both_windows()
    {
        await using var watcher = await fixture.OpenAsync();
        await using var sender = await fixture.OpenAsync();
        var watcherName = await watcher.Page.GetByTestId("chat-user").InputValueAsync();
        var senderName = await sender.Page.GetByTestId("chat-user").InputValueAsync();

        await Expect(sender.Page.GetByTestId("chat-conn")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Wait });
        await Expect(watcher.Page.GetByTestId("chat-conn")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Wait });
        // Presence: each window lists the other's user as online.
        await Expect(sender.Page.Locator($"[data-testid=chat-online-user][data-user='{watcherName}']")).ToBeVisibleAsync(new() { Timeout = Wait });
        await Expect(watcher.Page.Locator($"[data-testid=chat-online-user][data-user='{senderName}']")).ToBeVisibleAsync(new() { Timeout = Wait });

        // Multi-line, with markup that must stay text.
        var text = $"hello from the browser {Guid.NewGuid():N} <b>not bold</b>\nsecond line";
        await sender.Page.GetByTestId("chat-text").FillAsync(text);
        var response = await sender.Page.RunAndWaitForResponseAsync(
            () => sender.Page.GetByTestId("chat-text").PressAsync("Enter"),
            r => r.Request.Method == "POST" && r.Url.EndsWith("/api/chat/rooms/lobby/messages", StringComparison.Ordinal),
            new() { Timeout = Wait });
        Assert.Equal(201, response.Status);
        using var posted = JsonDocument.Parse(await response.TextAsync());
        var id = posted.RootElement.GetProperty("id").GetInt64();
        Assert.False(string.IsNullOrEmpty(JsonSerializer.Deserialize<JsonElement>(response.Request.PostData!).GetProperty("clientId").GetString()));

        foreach (var window in new[] { sender, watcher })
        {
            // data-via="stream" is set only by the EventSource 'message' handler; the watcher never posted.
            var message = window.Page.Locator($"[data-testid=chat-message][data-id='{id}']");
            await Expect(message).ToHaveAttributeAsync("data-via", "stream", new() { Timeout = Wait });
            await Expect(message).ToHaveAttributeAsync("data-author", senderName);
            Assert.Equal(text, await message.GetByTestId("chat-message-text").InnerTextAsync());
            Assert.Equal(0, await message.Locator("b").CountAsync());
        }
        Assert.Equal(1, await sender.Page.Locator($"[data-testid=chat-message][data-id='{id}']").CountAsync());
        Assert.Equal("", await sender.Page.GetByTestId("chat-text").InputValueAsync());

        // Read receipts: the watcher's page marks the room read, the sender sees "Seen by".
        await Expect(sender.Page.Locator($"[data-testid=chat-message][data-id='{id}'] [data-testid=chat-seen]"))
            .ToContainTextAsync(watcherName, new() { Timeout = Wait });

        await watcher.AssertNoErrorsAsync();
        await sender.AssertNoErrorsAsync();
    }

    [Fact]
    public async Task A_window_opened_after_messages_were_posted_shows_them_from_the_history()
    {
        var text = $"posted before the page opened {Guid.NewGuid():N}";
        var posted = await ApiHost.Read(await fixture.Host.PostJsonAsync("/api/chat/rooms/lobby/messages", new { author = "earlier", text }), System.Net.HttpStatusCode.Created);
        var id = posted["id"]!.GetValue<long>();

        await using var window = await fixture.OpenAsync();

        var message = window.Page.Locator($"[data-testid=chat-message][data-id='{id}']");
        await Expect(message).ToHaveAttributeAsync("data-via", "history", new() { Timeout = Wait });
        await Expect(message).ToHaveAttributeAsync("data-author", "earlier");
        Assert.Equal(text, await message.GetByTestId("chat-message-text").InnerTextAsync());
        await window.AssertNoErrorsAsync();
    }

    [Fact]
    public async Task The_event_stream_strip_shows_the_nodes_meters_counting_the_pages_own_streams()
    {
        await using var window = await fixture.OpenAsync();
        var page = window.Page;
        await Expect(page.GetByTestId("chat-conn")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Wait });
        await Expect(page.GetByTestId("mux-conn")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Wait });

        await Expect(page.GetByTestId("sse-panel")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Wait });
        // This page alone holds at least its chat and multiplexed streams open on the node.
        await page.WaitForFunctionAsync("() => Number(document.querySelector('[data-testid=sse-connections]').textContent) >= 2", null, new() { Timeout = Wait });
        // The simulator's quotes flow, so the second refresh shows a rate.
        await Expect(page.GetByTestId("sse-rate")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+\.\d$"), new() { Timeout = Wait });
        await window.AssertNoErrorsAsync();
    }

    [Fact]
    public async Task New_task_shows_its_progress_bar_move_and_finish()
    {
        await using var window = await fixture.OpenAsync();
        var page = window.Page;
        await Expect(page.GetByTestId("mux-conn")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Wait });

        // Every value the task cards' progress bars take, in order.
        await page.EvaluateAsync("""
            () => {
              window.__progress = {};
              new MutationObserver((records) => {
                for (const r of records) {
                  const card = r.target.closest('[data-testid=task-card]');
                  if (card) (window.__progress[card.dataset.id] ??= []).push(Number(r.target.getAttribute('aria-valuenow')));
                }
              }).observe(document.getElementById('task-list'), { subtree: true, attributes: true, attributeFilter: ['aria-valuenow'] });
            }
            """);

        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByTestId("task-new").ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.EndsWith("/api/tasks", StringComparison.Ordinal),
            new() { Timeout = Wait });
        Assert.Equal(201, response.Status);
        using var created = JsonDocument.Parse(await response.TextAsync());
        var id = created.RootElement.GetProperty("id").GetString()!;

        var card = page.Locator($"[data-testid=task-card][data-id='{id}']");
        var bar = card.GetByTestId("task-progress");
        await Expect(bar).ToHaveAttributeAsync("role", "progressbar");
        await Expect(card).ToHaveAttributeAsync("data-status", "running", new() { Timeout = Wait });
        await Expect(card).ToHaveAttributeAsync("data-status", "succeeded", new() { Timeout = Wait });
        await Expect(bar).ToHaveAttributeAsync("aria-valuenow", "100");
        await Expect(card.GetByTestId("task-status")).ToHaveTextAsync("succeeded");
        await Expect(card.GetByTestId("task-cancel")).ToBeHiddenAsync();

        var values = await page.EvaluateAsync<int[]>("id => window.__progress[id] ?? []", id);
        Assert.Contains(values, v => v is > 0 and < 100);
        Assert.Equal(100, values[^1]);
        for (var i = 1; i < values.Length; i++) Assert.True(values[i] >= values[i - 1], $"progress went back: {string.Join(",", values)}");

        await window.AssertNoErrorsAsync();
    }

    [Fact]
    public async Task Tickers_update_live_over_the_multiplexed_stream()
    {
        await using var window = await fixture.OpenAsync();
        var page = window.Page;
        await Expect(page.GetByTestId("mux-conn")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Wait });
        var acme = page.Locator("[data-testid=stock-row][data-symbol=ACME]");
        await Expect(acme.GetByTestId("stock-last")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d[\d,]*\.\d\d$"), new() { Timeout = Wait });
        // The sparkline gains a point per quote event (the REST summary gives only the first).
        await page.WaitForFunctionAsync(
            "() => (document.querySelector('[data-testid=stock-row][data-symbol=ACME] .spark-line')?.getAttribute('points') ?? '').split(' ').length >= 3",
            null, new() { Timeout = Wait });
        await Expect(page.Locator("[data-testid=stock-row]")).ToHaveCountAsync(5);

        await window.AssertNoErrorsAsync();
    }

    [Fact]
    public async Task A_log_line_appended_through_the_page_creates_the_file_and_appears_in_the_tail()
    {
        await using var window = await fixture.OpenAsync();
        var page = window.Page;
        // A file that does not exist yet: the page says so instead of following a 404.
        await page.GetByTestId("log-name").FillAsync($"fresh-{Guid.NewGuid():N}.log");
        await page.GetByTestId("log-name").PressAsync("Enter");
        await Expect(page.GetByTestId("logs-status")).ToContainTextAsync("does not exist yet", new() { Timeout = Wait });
        var line = $"line from the browser {Guid.NewGuid():N}";
        await page.GetByTestId("log-input").FillAsync(line);
        await page.GetByTestId("log-append-btn").ClickAsync();
        await Expect(page.GetByTestId("log-conn")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Wait });
        await Expect(page.GetByTestId("log-lines").GetByTestId("log-line").Filter(new() { HasText = line })).ToHaveCountAsync(1, new() { Timeout = Wait });

        await window.AssertNoErrorsAsync();
    }

    [Fact]
    public async Task A_queue_consumer_gets_a_message_and_acks_it()
    {
        await using var window = await fixture.OpenAsync();
        var page = window.Page;
        var queue = ApiHost.NewKey("q");
        await page.GetByTestId("queue-name").FillAsync(queue);
        await page.GetByTestId("queue-connect-btn").ClickAsync();
        await Expect(page.GetByTestId("queue-conn")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Wait });
        var consumer = await page.GetByTestId("queue-consumer").InputValueAsync();
        await Expect(page.GetByTestId("queue-consumers")).ToHaveTextAsync(consumer, new() { Timeout = Wait });

        var body = $"job {Guid.NewGuid():N}";
        await page.GetByTestId("queue-body").FillAsync(body);
        await page.GetByTestId("queue-enqueue-btn").ClickAsync();
        var delivery = page.GetByTestId("queue-delivery").Filter(new() { HasText = body });
        await Expect(delivery).ToHaveCountAsync(1, new() { Timeout = Wait });
        await Expect(page.GetByTestId("queue-inflight")).ToHaveTextAsync("1", new() { Timeout = Wait });

        await delivery.GetByTestId("queue-ack").ClickAsync();
        await Expect(delivery).ToHaveCountAsync(0, new() { Timeout = Wait });
        await Expect(page.GetByTestId("queue-depth")).ToHaveTextAsync("0", new() { Timeout = Wait });

        await window.AssertNoErrorsAsync();
    }
}

/// <summary>One application and one Chromium for the class; each test opens its own windows.</summary>
public class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private int _windows;

    public ApiHost Host { get; private set; } = null!;

    /// <summary>Settings over the fixture's own (the Jwt mode, say).</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>Debian's Chromium: <c>GRAINSTREAM_CHROMIUM</c>, else <c>/usr/bin/chromium</c>.</summary>
    public static string ChromiumPath
        => Environment.GetEnvironmentVariable("GRAINSTREAM_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        var chromium = ChromiumPath;
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException(
                $"The browser test needs Chromium at '{chromium}' and found none. Install Debian's package " +
                "(apt-get install -y chromium; scripts/test.sh does this) or set GRAINSTREAM_CHROMIUM to a Chromium executable.");
        }
        var settings = new Dictionary<string, string?>
        {
            ["Stocks:Simulate"] = "true",
            ["Stocks:Interval"] = "00:00:00.250",
            ["Tasks:DemoWorker"] = "true",
        };
        foreach (var (key, value) in Settings) settings[key] = value;
        Host = await ApiHost.StartAsync(settings);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A new window (its own context: fresh storage) on the demo page, as a chat user of its own.</summary>
    public async Task<BrowserWindow> OpenAsync()
    {
        var context = await _browser!.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 1000 } });
        // The page would pick a random guest-NNN, and two windows picked the same one often enough to
        // fail the presence and read-receipt checks (a user does not see its own receipts).
        await context.AddInitScriptAsync($"localStorage.setItem('gs.user', JSON.stringify('window-{Interlocked.Increment(ref _windows)}'))");
        var page = await context.NewPageAsync();
        var window = new BrowserWindow(context, page);
        await page.GotoAsync(Host.BaseAddress.ToString(), new() { WaitUntil = WaitUntilState.Load, Timeout = 30_000 });
        return window;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        if (Host is not null) await Host.DisposeAsync();
    }
}

/// <summary>A page with its console errors and uncaught exceptions collected from the start.</summary>
public sealed class BrowserWindow : IAsyncDisposable
{
    private readonly List<string> _errors = [];

    public BrowserWindow(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (_errors) _errors.Add($"console: {message.Text} ({message.Location})");
        };
        page.PageError += (_, error) => { lock (_errors) _errors.Add($"uncaught: {error}"); };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>No console error, no uncaught exception, and no error in any panel's status line.</summary>
    public async Task AssertNoErrorsAsync()
    {
        var statusErrors = await Page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('.status[data-kind=error]')].map(e => `${e.id}: ${e.textContent}`)");
        string[] errors;
        lock (_errors) errors = [.. _errors, .. statusErrors];
        Assert.True(errors.Length == 0, "The page reported errors:\n" + string.Join("\n", errors));
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
