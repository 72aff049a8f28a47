using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Sensorium.Browser.Tests;

/// <summary>
/// A trained tiny run's Neurons page in a real browser: queue the in-silico experiments (a `sensorium insilico all`
/// worker), watch the job finish, see the per-neuron scores on the cortex and the score against the synthetic truth,
/// pick one of the best neurons and see its receptive field, MEI and tuning.
/// </summary>
public sealed class NeuronsPageBrowserTests() : BrowserSession
{
    static readonly TimeSpan Startup = TimeSpan.FromMinutes(3);
    const float Long = 300_000; // ms: a tiny run, then its experiments, on a busy 2-core machine

    [Fact]
    public async Task A_member_runs_in_silico_experiments_on_a_finished_run_and_inspects_a_neuron()
    {
        var password = await app.ReadyAsync(Startup);
        var page = await WorkbenchBrowser.FirstPageAsync(browser);
        await WorkbenchBrowser.SignInAsync(page, "demo", password);
        string runUrl = await WorkbenchBrowser.QueueTinyRunAsync(page, "tiny twin", "sensorium", epochs: 1);
        await page.Locator(".run-status[data-status=succeeded]").WaitForAsync(new() { Timeout = Long });

        await page.Locator("a.run-neurons-link").ClickAsync();
        await WorkbenchBrowser.WaitForAddressAsync(page, new Regex("/neurons$"));
        var panel = await WorkbenchBrowser.RunExperimentsAndOpenBestNeuronAsync(page, Long);
        Assert.StartsWith("data:text/csv;base64,", await page.Locator("a.insilico-csv").GetAttributeAsync("href"));
        await Assertions.Expect(panel.Locator(".neuron-tuning")).ToContainTextAsync("preferred orientation");
        await page.ScreenshotAsync(new() { Path = Path.Combine(LiveRunTests.ArtifactsDirectory, "neurons.png"), FullPage = true });
    }
}
