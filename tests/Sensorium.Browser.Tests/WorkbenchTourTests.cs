using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Sensorium.Browser.Tests;

/// <summary>
/// The pages as a team member and as the host see them, at 1280×800 and on a phone (390×844), light and dark: the
/// host's queue view with a running run's CPU and memory, cancel from there; dark mode; no sideways scrolling on a
/// phone; the reveal question. Takes the README's screenshots (copied into the repository with UPDATE_SCREENSHOTS=1).
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
        await ShotAsync(page, "runs");

        Step("phone");
        // A phone: one-line app bar, no page wider than the screen.
        await page.SetViewportSizeAsync(390, 844);
        foreach (var path in new[] { "/runs", runUrl, "/submissions", "/datasets" })
        {
            Step("phone " + path);
            await page.GotoAsync(path, new() { WaitUntil = WaitUntilState.Commit });
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).WaitForAsync();
            var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
            Assert.True(width <= 390, $"{path} is {width} px wide on a 390 px screen");
            var bar = await page.EvaluateAsync<double>("document.querySelector('.mud-appbar').getBoundingClientRect().height");
            Assert.True(bar is > 0 and <= 64, $"the app bar is {bar} px high on {path}");
        }
        await page.GotoAsync("/runs");
        await page.Locator(".runs-table").WaitForAsync();
        await ShotAsync(page, "runs-phone");
        await page.SetViewportSizeAsync(1280, 800);

        Step("host");
        // The host: the first start's passwords are also in a file in the data directory.
        var passwords = await File.ReadAllTextAsync(Path.Combine(app.DataDirectory, "first-start-passwords.txt"));
        var adminPassword = Regex.Match(passwords, @"admin\s+(\S+)").Groups[1].Value;
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/account/signin"), new() { WaitUntil = WaitUntilState.Commit });
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
    static async Task ShotAsync(IPage page, string name)
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
