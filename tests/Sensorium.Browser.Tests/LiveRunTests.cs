using Microsoft.Playwright;

namespace Sensorium.Browser.Tests;

/// <summary>
/// The workbench in a real browser (Debian's Chromium through Playwright) against the real app on Kestrel: sign in,
/// queue a tiny run from the New run form, watch its epochs arrive without reloading, cancel a second run.
/// Timeouts are generous: the machine may be shared.
/// </summary>
public sealed class LiveRunTests() : BrowserSession
{
    static readonly TimeSpan Startup = TimeSpan.FromMinutes(3);
    const float Long = 180_000; // ms: a tiny run on a busy 2-core machine
    /// <summary>The rows of the run page's epoch table (the one with a train-loss column).</summary>
    const string EpochRows = "table:has(th:has-text('Train loss')) tbody tr";

    /// <summary>Screenshots land here (the test's output folder), kept as the test's artifacts.</summary>
    public static string ArtifactsDirectory { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;

    [Fact]
    public async Task A_member_trains_a_tiny_run_watches_it_live_and_cancels_another()
    {
        var password = await app.ReadyAsync(Startup);
        var page = await WorkbenchBrowser.FirstPageAsync(browser);
        await WorkbenchBrowser.SignInAsync(page, "demo", password);

        // A tiny run: the tiny dataset, a 2-layer core of 8 channels, 3 epochs.
        var runUrl = await WorkbenchBrowser.QueueTinyRunAsync(page, "tiny live run", "sensorium", epochs: 3);
        var rowsAtStart = await page.Locator(EpochRows).CountAsync();
        Assert.True(rowsAtStart < 3, $"{rowsAtStart} epochs already");

        // A second, long run in another tab: cancel it once it runs.
        var other = await browser.NewPageAsync();
        await WorkbenchBrowser.QueueTinyRunAsync(other, "to be cancelled", "sensorium", epochs: 500);
        await other.Locator(".run-status[data-status=running]").WaitForAsync(new() { Timeout = Long });
        await WorkbenchBrowser.InteractiveAsync(other);
        await other.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await other.Locator(".run-status[data-status=cancelled]").WaitForAsync(new() { Timeout = 30_000 });
        await other.ScreenshotAsync(new() { Path = Path.Combine(ArtifactsDirectory, "cancelled-run.png"), FullPage = true });

        // The first page was never reloaded: it had fewer than 3 epoch rows when it opened; they and the final
        // status arrive over the circuit.
        var rows = page.Locator(EpochRows);
        await Assertions.Expect(rows).ToHaveCountAsync(3, new() { Timeout = Long });
        await page.Locator(".run-status[data-status=succeeded]").WaitForAsync(new() { Timeout = Long });
        Assert.Equal(runUrl, page.Url);
        var firstRow = (await rows.First.TextContentAsync())!; // the table may sit in a collapsed panel
        Assert.StartsWith("1", firstRow.Trim());
        Assert.Contains("26872-17-20", firstRow);

        var epochsPanel = page.GetByText("Epochs (3)");
        if (await epochsPanel.CountAsync() > 0) await epochsPanel.First.ClickAsync(); // open it for the screenshot
        var screenshot = Path.Combine(ArtifactsDirectory, "live-run.png");
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 10_000);

        // Clone: the Runs page's clone action fills the form with the run's spec.
        await page.GotoAsync("/runs");
        await page.Locator($"a.clone-run[href='/runs/new?clone={runUrl.Split('/')[^1]}']").ClickAsync();
        await page.Locator(".new-run-form[data-interactive=true]").WaitForAsync();
        Assert.Equal("tiny live run (clone)", await page.Locator(".field-name input").InputValueAsync());
        Assert.Equal("3", await page.Locator(".field-epochs input").InputValueAsync());
        Assert.Equal("8", await page.Locator(".field-hidden input").InputValueAsync());
        Console.WriteLine($"Screenshots: {ArtifactsDirectory}");
    }
}
