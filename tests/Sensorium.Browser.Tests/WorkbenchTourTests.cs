using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Sensorium.Browser.Tests;

/// <summary>
/// The pages as a team member and as the host see them, at 1280×800 and on a phone (390×844), light and dark: the
/// host's queue view with a running run's CPU and memory, cancel from there; dark mode; no sideways scrolling on a
/// phone (chart text ≥ 11 px there); zoom on the curves, the loss per trial, notes and tags, artifacts as downloads;
/// the reveal question. Takes the README's screenshots (copied into the repository with UPDATE_SCREENSHOTS=1).
/// </summary>
public sealed class WorkbenchTourTests() : BrowserSession
{
    static readonly TimeSpan Startup = TimeSpan.FromMinutes(3);
    const float Long = 180_000; // ms: a tiny run starting on a busy 2-core machine

    /// <summary>The layout's own signal that the page's circuit is attached (typing into a prerendered page is lost).</summary>
    static Task Interactive(IPage page) => page.Locator(".workbench[data-interactive=true]").WaitForAsync();

    /// <summary>Where the test is, in the artifacts folder as it goes (a hang shows its last step).</summary>
    static void Step(string what) =>
        File.AppendAllText(Path.Combine(LiveRunTests.ArtifactsDirectory, "tour-steps.txt"), $"{DateTime.UtcNow:HH:mm:ss} {what}\n");

    [Fact]
    public async Task A_member_and_the_host_use_the_workbench_on_a_desktop_and_a_phone_in_light_and_dark()
    {
        var demoPassword = await app.ReadyAsync(Startup);
        var page = await WorkbenchBrowser.FirstPageAsync(browser);
        await page.SetViewportSizeAsync(1280, 800);
        await WorkbenchBrowser.SignInAsync(page, "demo", demoPassword);

        // A long tiny run that keeps a worker busy while the host looks at the queue.
        Step("signed in as demo");
        var runUrl = await WorkbenchBrowser.QueueTinyRunAsync(page, "long tiny run", "sensorium", epochs: 100_000);
        await page.Locator(".run-status[data-status=running]").WaitForAsync(new() { Timeout = Long });
        await page.Locator("table:has(th:has-text('Train loss')) tbody tr").First.WaitForAsync(new() { Timeout = Long, State = WaitForSelectorState.Attached });
        await ShotAsync(page, "run");

        Step("loss per trial");
        await Interactive(page);
        var lossChart = page.Locator("figure[data-chart='Training loss']");
        await Assertions.Expect(lossChart.Locator(".chart-y-label")).ToHaveTextAsync("loss per trial (Poisson, Σ over neurons)");

        Step("zoom");
        // A drag across the loss curve zooms every curve of the run to that range of epochs; Reset shows all again.
        await lossChart.Locator("svg[data-plot-left]").WaitForAsync();
        var box = (await lossChart.Locator("svg").BoundingBoxAsync())!;
        var before = double.Parse((await lossChart.GetAttributeAsync("data-x-max"))!, System.Globalization.CultureInfo.InvariantCulture);
        await page.Mouse.MoveAsync(box.X + box.Width * 0.35f, box.Y + box.Height * 0.5f);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + box.Width * 0.5f, box.Y + box.Height * 0.5f, new() { Steps = 5 });
        await page.Mouse.MoveAsync(box.X + box.Width * 0.65f, box.Y + box.Height * 0.5f, new() { Steps = 5 });
        await page.Mouse.UpAsync();
        await page.Locator("figure[data-chart='Training loss'][data-zoomed=true]").WaitForAsync();
        await Assertions.Expect(page.Locator("figure.chart-zoomable[data-zoomed=true]")).ToHaveCountAsync(4);
        double X(string? value) => double.Parse(value!, System.Globalization.CultureInfo.InvariantCulture);
        var (zoomedMin, zoomedMax) = (X(await lossChart.GetAttributeAsync("data-x-min")), X(await lossChart.GetAttributeAsync("data-x-max")));
        await ShotAsync(page, "run-zoomed");
        await page.Locator("button.zoom-reset").ClickAsync();
        await page.Locator("figure[data-chart='Training loss'][data-zoomed=false]").WaitForAsync();
        // The run is live, so the whole range only grows: the zoomed range must be a strict part of it after the reset.
        var (fullMin, fullMax) = (X(await lossChart.GetAttributeAsync("data-x-min")), X(await lossChart.GetAttributeAsync("data-x-max")));
        Assert.True(zoomedMax - zoomedMin < fullMax - fullMin && zoomedMin >= fullMin && fullMax >= before,
            $"zoomed to epochs {zoomedMin}–{zoomedMax} of {fullMin}–{fullMax}");

        Step("notes and tags");
        await page.Locator("button.run-notes-edit").ClickAsync();
        await page.Locator(".run-tags-input input").FillAsync("tour, small-batch");
        await page.Locator(".run-notes-input textarea").FillAsync("Started by the browser tour.");
        await page.Locator("button.run-notes-save").ClickAsync();
        await Assertions.Expect(page.Locator(".run-notes .run-tag")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator(".run-notes-text")).ToHaveTextAsync("Started by the browser tour.");

        Step("artifacts");
        // The run's files, each a download for the team (the browser's own cookies); a path out of the run is refused.
        await page.Locator("button.artifacts-refresh").ClickAsync(); // the list is read when the page opens and on Refresh
        var specLink = page.Locator(".run-artifacts a.artifact-link[href$='path=spec.json']");
        await specLink.WaitForAsync();
        var spec = await page.APIRequest.GetAsync((await specLink.GetAttributeAsync("href"))!);
        Assert.Equal(200, spec.Status);
        Assert.Equal("application/json", spec.Headers["content-type"].Split(';')[0]);
        Assert.Contains("\"seed\"", await spec.TextAsync());
        var runId = Regex.Match(runUrl, @"/runs/(\d+)").Groups[1].Value;
        var escape = await page.APIRequest.GetAsync($"/api/runs/{runId}/artifacts/download?path={Uri.EscapeDataString("../../workbench.db")}");
        Assert.Equal(400, escape.Status);

        Step("dark mode");
        // Dark mode: the toggle switches the whole layout (the browser's preference is light here).
        await page.Locator(".workbench.theme-light").WaitForAsync();
        await page.Locator("button.theme-toggle").ClickAsync();
        await page.Locator(".workbench.theme-dark").WaitForAsync();
        var background = await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('.mud-main-content')).backgroundColor");
        Assert.NotEqual("rgb(255, 255, 255)", background);
        await ShotAsync(page, "run-dark");
        await page.Locator("button.theme-toggle").ClickAsync();
        await page.Locator(".workbench.theme-light").WaitForAsync();

        Step("runs list");
        // The runs list: filters narrow it.
        await page.GotoAsync("/runs", new() { WaitUntil = WaitUntilState.Commit });
        await Interactive(page);
        var rows = page.Locator(".runs-table tbody tr:has(a[href^='/runs/'])");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await page.Locator(".runs-search input").FillAsync("no such run");
        await page.Locator(".runs-none-match").WaitForAsync();
        await page.Locator(".runs-search input").FillAsync("long");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        // Tags show in the list, and the search finds a run by its notes.
        await Assertions.Expect(rows.First.Locator(".run-tag")).ToHaveCountAsync(2);
        await page.Locator(".runs-search input").FillAsync("browser tour");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await ShotAsync(page, "runs");

        Step("phone");
        // A phone: one-line app bar, no page wider than the screen. (A sweep's page and an ensemble's page, with their
        // runs, plots, scores and submissions, are measured the same way by SweepEnsembleFlowTests, where they exist.)
        await page.SetViewportSizeAsync(390, 844);
        foreach (var path in new[] { "/runs", runUrl, "/submissions", "/datasets", "/sweeps" })
        {
            Step("phone " + path);
            await WorkbenchBrowser.AssertFitsPhoneAsync(page, path);
        }
        Step("phone chart text");
        // The run's charts on the phone: every shown SVG text at least 11 CSS px (its font size × the SVG's scale).
        await page.GotoAsync(runUrl, new() { WaitUntil = WaitUntilState.Commit });
        await page.Locator("figure[data-chart='Training loss'] svg").WaitForAsync();
        var smallest = await page.EvaluateAsync<double>("""
            Math.min(...[...document.querySelectorAll('.chart svg text')]
                .filter(t => getComputedStyle(t).display !== 'none' && t.getBBox().width > 0)
                .map(t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a))
            """);
        Assert.True(smallest >= 11, $"the smallest chart text is {smallest:F1} px on a 390 px screen");
        await Interactive(page); // the prerendered charts are replaced once the circuit attaches
        await page.EvaluateAsync("document.querySelector(\"figure[data-chart='Training loss']\").scrollIntoView()");
        await ShotAsync(page, "run-phone");
        await page.GotoAsync("/runs");
        await page.Locator(".runs-table").WaitForAsync();
        await ShotAsync(page, "runs-phone");
        await page.SetViewportSizeAsync(1280, 800);

        Step("host");
        // The host: the first start's passwords are also in a file in the data directory.
        var passwords = await File.ReadAllTextAsync(Path.Combine(app.DataDirectory, "first-start-passwords.txt"));
        var adminPassword = Regex.Match(passwords, @"admin\s+(\S+)").Groups[1].Value;
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await WorkbenchBrowser.WaitForAddressAsync(page, new Regex("/account/signin"));
        await WorkbenchBrowser.SignInAsync(page, "admin", adminPassword);

        Step("admin /runs");
        // /runs belongs to teams: the host is pointed to the queue.
        await page.GotoAsync("/runs");
        await page.Locator(".admin-not-team a[href='/admin/queue']").ClickAsync(); // a plain link: no circuit needed
        await Interactive(page);
        var row = page.Locator(".host-queue tbody tr", new() { HasText = "long tiny run" });
        await row.WaitForAsync();
        Assert.Contains("demo", await row.TextContentAsync());
        Step("queue row");
        // CPU needs two looks two seconds apart: wait for the page's own figure.
        await Assertions.Expect(row.Locator(".run-use")).ToContainTextAsync("% CPU", new() { Timeout = 60_000 });
        await Assertions.Expect(row.Locator(".run-use")).ToContainTextAsync("MiB");
        await Assertions.Expect(page.Locator("[data-device=cpu] .gpu-none")).ToContainTextAsync("GPU figures: none");
        await ShotAsync(page, "queue");

        Step("cancel");
        await row.Locator("button.host-cancel").ClickAsync();
        await page.Locator(".queue-empty").WaitForAsync();

        Step("reveal");
        // Reveal asks and says what it does; keeping them hidden changes nothing.
        await page.GotoAsync("/admin/submissions", new() { WaitUntil = WaitUntilState.Commit });
        await Interactive(page);
        await page.Locator("[data-testid=reveal-sensorium]").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(dialog).ToContainTextAsync("cannot be undone");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Keep hidden" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=reveal-sensorium]")).ToBeVisibleAsync();
    }

    /// <summary>A screenshot of the page's viewport into the artifacts (and the README's folder with UPDATE_SCREENSHOTS=1).</summary>
    internal static async Task ShotAsync(IPage page, string name)
    {
        var file = Path.Combine(LiveRunTests.ArtifactsDirectory, name + ".png");
        await page.ScreenshotAsync(new() { Path = file });
        Assert.True(new FileInfo(file).Length > 5_000, $"{name}.png is nearly empty");
        if (Environment.GetEnvironmentVariable("UPDATE_SCREENSHOTS") == "1")
            File.Copy(file, Path.Combine(ScreenshotsDirectory(), name + ".png"), overwrite: true);
    }

    /// <summary>tests/Sensorium.Browser.Tests/screenshots in the repository (the README links them).</summary>
    static string ScreenshotsDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sensorium.Web.sln"))) dir = dir.Parent;
        return Directory.CreateDirectory(Path.Combine(dir!.FullName, "tests", "Sensorium.Browser.Tests", "screenshots")).FullName;
    }
}
