using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Sensorium.Browser.Tests;

/// <summary>
/// An ensemble as a digital twin in a real browser: two tiny runs trained by real workers, ensembled from the form and
/// evaluated, then its Neurons page queues the in-silico experiments (`sensorium insilico all` on the ensemble folder),
/// the job finishes, the scores, the truth and a neuron's pictures show, and the ensemble page has its per-neuron scores.
/// </summary>
public sealed class EnsembleNeuronsBrowserTests() : BrowserSession
{
    static readonly TimeSpan Startup = TimeSpan.FromMinutes(3);
    const float Long = 600_000; // ms: two tiny runs, the ensemble's evaluation, then its experiments, on a busy 2-core machine

    static long IdOf(string url) => long.Parse(new Uri(url).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)[1]);

    [Fact]
    public async Task A_member_ensembles_two_runs_and_runs_in_silico_experiments_on_the_ensemble()
    {
        var password = await app.ReadyAsync(Startup);
        var page = await WorkbenchBrowser.FirstPageAsync(browser);
        await WorkbenchBrowser.SignInAsync(page, "demo", password);
        string a = await WorkbenchBrowser.QueueTinyRunAsync(page, "twin a", "sensorium", epochs: 1);
        string b = await WorkbenchBrowser.QueueTinyRunAsync(page, "twin b", "sensorium", epochs: 1);
        await page.Locator(".run-status[data-status=succeeded]").WaitForAsync(new() { Timeout = Long });
        await page.GotoAsync(a);
        await page.Locator(".run-status[data-status=succeeded]").WaitForAsync(new() { Timeout = Long });

        await page.GotoAsync($"/ensembles/new?runs={IdOf(a)},{IdOf(b)}");
        await page.Locator(".new-ensemble-form").WaitForAsync();
        await WorkbenchBrowser.InteractiveAsync(page);
        await WorkbenchBrowser.SetAsync(page, ".field-ensemble-name input", "twin pair");
        await page.Locator("button.create-ensemble").ClickAsync();
        long ensemble = IdOf(await WorkbenchBrowser.WaitForAddressAsync(page, new Regex(@"/ensembles/\d+$")));
        await page.Locator(".ensemble-status[data-status=succeeded]").WaitForAsync(new() { Timeout = Long });
        await Assertions.Expect(page.Locator(".run-neuron-scores")).ToHaveAttributeAsync("data-has-scores", "false");

        await page.Locator("a.ensemble-neurons-link").ClickAsync();
        await WorkbenchBrowser.WaitForAddressAsync(page, new Regex($"/ensembles/{ensemble}/neurons$"));
        await WorkbenchBrowser.RunExperimentsAndOpenBestNeuronAsync(page, Long);
        Assert.Equal($"ensemble-{ensemble}-neuron-scores.csv", await page.Locator("a.insilico-csv").GetAttributeAsync("download"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(LiveRunTests.ArtifactsDirectory, "ensemble-neurons.png"), FullPage = true });

        await page.GotoAsync($"/ensembles/{ensemble}");
        await Assertions.Expect(page.Locator(".run-neuron-scores")).ToHaveAttributeAsync("data-has-scores", "true");
        await Assertions.Expect(page.Locator("a.run-neurons-more")).ToHaveAttributeAsync("href", $"/ensembles/{ensemble}/neurons");
    }
}
