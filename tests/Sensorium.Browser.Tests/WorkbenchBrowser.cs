using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Sensorium.Browser.Tests;

/// <summary>Debian's Chromium through Playwright (it cannot download browsers here), and the steps tests share.</summary>
internal static class WorkbenchBrowser
{
    /// <summary>A headless Chromium with its own profile folder, pointed at the app.</summary>
    public static async Task<IBrowserContext> LaunchAsync(IPlaywright playwright, string userData, Uri app, string? downloads = null)
    {
        var context = await playwright.Chromium.LaunchPersistentContextAsync(userData, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
            BaseURL = app.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
            AcceptDownloads = downloads is not null,
            DownloadsPath = downloads,
        });
        context.SetDefaultTimeout(60_000);
        return context;
    }

    public static async Task<IPage> FirstPageAsync(IBrowserContext context) =>
        context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();

    public static async Task SignInAsync(IPage page, string user, string password)
    {
        await page.GotoAsync("/account/signin");
        await page.FillAsync("#username", user);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        // Wait for the signed-in layout's "Sign out" button only (the sign-in page has none; a locator's wait outlives
        // the navigation). No wait on a load state or on the address: in fresh-clone CI runs a wait for "load" after this
        // navigation never ended (60 s) although the page was there, and WaitForURLAsync falls back to such a wait
        // when the redirect has already happened by the time it is called (a busy machine: CI of b7611cb).
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).WaitForAsync();
    }

    /// <summary>
    /// Waits until the page's address matches <paramref name="address"/> (tested as a JavaScript regular expression on
    /// <c>location.href</c>, polled in the page; the poll starts again in a new document after a navigation) and
    /// returns it. Never a wait on a load state: WaitForURLAsync falls back to one when the address already matches at
    /// the call, even with WaitUntil = Commit, and such a wait once never ended in CI (see <see cref="SignInAsync"/>).
    /// </summary>
    public static async Task<string> WaitForAddressAsync(IPage page, Regex address)
    {
        var href = await page.WaitForFunctionAsync("pattern => new RegExp(pattern).test(location.href) && location.href", address.ToString());
        return await href.JsonValueAsync<string>();
    }

    /// <summary>
    /// Fills the New run form with a tiny model (tiny dataset, 2-layer core of 8 channels, batch 32) for
    /// <paramref name="track"/> and queues it; returns the run page's address.
    /// </summary>
    public static async Task<string> QueueTinyRunAsync(IPage page, string name, string track, int epochs)
    {
        await page.GotoAsync("/runs/new");
        await page.Locator(".field-dataset").GetByText("synthetic-tiny").WaitForAsync();
        await page.Locator(".new-run-form[data-interactive=true]").WaitForAsync();
        await SetAsync(page, ".field-name input", name);
        if (track != "sensorium")
        {
            await page.Locator(".field-track").ClickAsync();
            await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex($"^{Regex.Escape(track)}$") }).ClickAsync();
            await Assertions.Expect(page.Locator(".field-track input")).ToHaveValueAsync(track);
        }
        await SetAsync(page, ".field-layers input", "2");
        await SetAsync(page, ".field-hidden input", "8");
        await SetAsync(page, ".field-batch input", "32");
        await SetAsync(page, ".field-epochs input", epochs.ToString());
        await page.ClickAsync("button.queue-run");
        var address = await WaitForAddressAsync(page, new Regex(@"/runs/\d+$"));
        await page.Locator(".run-status").WaitForAsync();
        return address;
    }

    /// <summary>
    /// Waits until the page's circuit is attached (the layout marks it): pages are prerendered, and a click, a
    /// chosen file or a typed value before then is never seen by the server.
    /// </summary>
    public static Task InteractiveAsync(IPage page) => page.Locator(".workbench[data-interactive=true]").WaitForAsync();

    /// <summary>
    /// Opens <paramref name="path"/> on a phone-wide page and fails, naming what sticks out (with a screenshot
    /// phone-overflow.png in the artifacts), when the page is wider than the screen, or when the app bar takes more than
    /// one line. Measured as a user sees it: after the stylesheets (MudBlazor's table turns into cards below its
    /// breakpoint only once its CSS applies; a layout forced before that is the bare table) and once the circuit has
    /// attached.
    /// </summary>
    public static async Task AssertFitsPhoneAsync(IPage page, string path, int screen = 390)
    {
        await page.GotoAsync(path, new() { WaitUntil = WaitUntilState.Commit });
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).WaitForAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
        await InteractiveAsync(page);
        var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        if (width > screen)
        {
            var culprit = await page.EvaluateAsync<string>($$"""
                [...document.querySelectorAll('body *')]
                    .map(e => [e, e.getBoundingClientRect()])
                    .filter(([e, r]) => r.right > {{screen}} && r.width > 0)
                    .sort((a, b) => a[1].width - b[1].width)
                    .slice(0, 3)
                    .map(([e, r]) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} (right ${Math.round(r.right)} px): ${e.textContent.trim().slice(0, 60)}`)
                    .join('; ')
                """);
            await page.ScreenshotAsync(new() { Path = Path.Combine(LiveRunTests.ArtifactsDirectory, "phone-overflow.png") });
            Assert.Fail($"{path} is {width} px wide on a {screen} px screen; sticking out: {culprit}");
        }
        var bar = await page.EvaluateAsync<double>("document.querySelector('.mud-appbar').getBoundingClientRect().height");
        Assert.True(bar is > 0 and <= 64, $"the app bar is {bar} px high on {path}");
    }

    /// <summary>
    /// On a Neurons page (a run's or an ensemble's) whose experiments never ran: queues them with 2 MEIs, waits up to
    /// <paramref name="timeout"/> ms for the job to finish, checks the cortex map (over 50 neurons) and the score against
    /// the synthetic truth, opens the best neuron and waits until its five pictures (gradient and energy RF, STA, MEI,
    /// the best natural image) and its truth show. Returns the neuron's panel.
    /// </summary>
    public static async Task<ILocator> RunExperimentsAndOpenBestNeuronAsync(IPage page, float timeout)
    {
        await page.Locator(".insilico-empty").WaitForAsync();
        await InteractiveAsync(page);
        await SetAsync(page, ".insilico-mei-count input", "2");
        await page.Locator("button.insilico-queue").ClickAsync();
        await page.Locator(".insilico-job[data-state=done]").WaitForAsync(new() { Timeout = timeout });

        var map = page.Locator("figure[data-chart='Neurons at their cortical positions'] g.scatter-points");
        await map.WaitForAsync();
        Assert.True(int.Parse((await map.GetAttributeAsync("data-points"))!) > 50);
        await Assertions.Expect(page.Locator(".insilico-truth")).ToContainTextAsync("all neurons");

        await page.Locator("a.neuron-top").First.ClickAsync(); // the best neuron: it has an MEI
        var panel = page.Locator(".neuron-panel");
        await panel.WaitForAsync();
        foreach (string kind in new[] { "gradient", "energy", "sta", "mei", "natural" })
            await Assertions.Expect(panel.Locator($"figure.neuron-picture[data-kind={kind}] img")).ToBeVisibleAsync();
        await Assertions.Expect(panel.Locator(".neuron-truth")).ToContainTextAsync("Truth: RF");
        return panel;
    }

    public static async Task SetAsync(IPage page, string selector, string value)
    {
        var input = page.Locator(selector);
        await input.FillAsync(value);
        await input.PressAsync("Tab"); // MudBlazor fields bind on change
    }
}
