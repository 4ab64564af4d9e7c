using GrainStream.Tests.Api;
using GrainStream.Tests.Auth;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GrainStream.Tests.Browser;

/// <summary>The demo page in the Jwt mode: it gets development tokens (one per name it acts as) and
/// sends them as Bearer on fetch and as <c>access_token</c> on EventSource.</summary>
public sealed class JwtDemoPageTests(JwtDemoPageTests.Fixture fixture) : IClassFixture<JwtDemoPageTests.Fixture>
{
    public sealed class Fixture : BrowserFixture
    {
        protected override IReadOnlyDictionary<string, string?> Settings => JwtHost.Settings();
    }

    private const float Wait = 30_000;

    [Fact]
    public async Task The_page_chats_follows_tickers_and_consumes_a_queue_with_development_tokens()
    {
        await using var window = await fixture.OpenAsync();
        var page = window.Page;
        var user = await page.GetByTestId("chat-user").InputValueAsync();
        await Expect(page.GetByTestId("chat-conn")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Wait });
        await Expect(page.GetByTestId("mux-conn")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Wait });

        // The post carries the chat user's token; the message comes back over EventSource.
        var text = $"with a token {Guid.NewGuid():N}";
        await page.GetByTestId("chat-text").FillAsync(text);
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByTestId("chat-text").PressAsync("Enter"),
            r => r.Request.Method == "POST" && r.Url.EndsWith("/api/chat/rooms/lobby/messages", StringComparison.Ordinal),
            new() { Timeout = Wait });
        Assert.Equal(201, response.Status);
        Assert.StartsWith("Bearer ", (await response.Request.AllHeadersAsync())["authorization"]);
        var message = page.GetByTestId("chat-message").Filter(new() { HasText = text });
        await Expect(message).ToHaveAttributeAsync("data-via", "stream", new() { Timeout = Wait });
        await Expect(message).ToHaveAttributeAsync("data-author", user);

        // The queue consumer is a name of its own: the page acts as it with a token for that subject.
        var queue = ApiHost.NewKey("q");
        await page.GetByTestId("queue-name").FillAsync(queue);
        await page.GetByTestId("queue-connect-btn").ClickAsync();
        await Expect(page.GetByTestId("queue-conn")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Wait });
        var body = $"job {Guid.NewGuid():N}";
        await page.GetByTestId("queue-body").FillAsync(body);
        await page.GetByTestId("queue-enqueue-btn").ClickAsync();
        var delivery = page.GetByTestId("queue-delivery").Filter(new() { HasText = body });
        await Expect(delivery).ToHaveCountAsync(1, new() { Timeout = Wait });
        await delivery.GetByTestId("queue-ack").ClickAsync();
        await Expect(delivery).ToHaveCountAsync(0, new() { Timeout = Wait });
        await Expect(page.GetByTestId("queue-depth")).ToHaveTextAsync("0", new() { Timeout = Wait });

        var acme = page.Locator("[data-testid=stock-row][data-symbol=ACME]");
        await Expect(acme.GetByTestId("stock-last")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d[\d,]*\.\d\d$"), new() { Timeout = Wait });

        await window.AssertNoErrorsAsync();
    }
}
