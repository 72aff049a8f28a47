using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Sensorium.Web.Tests.Slurm;

namespace Sensorium.Browser.Tests;

/// <summary>
/// Issue 13: a tiny run queued from the New run form of a workbench whose launcher is Slurm (a real one-node cluster
/// from Debian's slurm-wlm and munge, the same one the web tests start) becomes a batch job running the real
/// `sensorium train`; its epochs reach the open run page live (from the events log the job appends to) and it ends
/// succeeded.
/// </summary>
public sealed class SlurmLiveRunTests() : BrowserSession(new Dictionary<string, string>
{
    ["Worker__Launcher"] = "slurm",
    ["Slurm__PollSeconds"] = "0.2",
    ["Slurm__Environment__SLURM_CONF"] = SlurmCluster.SlurmConf,
})
{
    static readonly TimeSpan Startup = TimeSpan.FromMinutes(3);
    const float Long = 300_000; // ms: Slurm schedules every few seconds, and the machine may be busy
    const string EpochRows = "table:has(th:has-text('Train loss')) tbody tr";

    [Fact]
    public async Task A_tiny_run_dispatched_through_Slurm_reaches_the_browser_live_and_finishes()
    {
        var password = await app.ReadyAsync(Startup);
        var page = await WorkbenchBrowser.FirstPageAsync(browser);
        await WorkbenchBrowser.SignInAsync(page, "demo", password);

        var runUrl = await WorkbenchBrowser.QueueTinyRunAsync(page, "tiny slurm run", "sensorium", epochs: 3);
        var runId = runUrl.Split('/')[^1];
        var rowsAtStart = await page.Locator(EpochRows).CountAsync();
        Assert.True(rowsAtStart < 3, $"{rowsAtStart} epochs already");

        var rows = page.Locator(EpochRows);
        await Assertions.Expect(rows).ToHaveCountAsync(3, new() { Timeout = Long });
        await page.Locator(".run-status[data-status=succeeded]").WaitForAsync(new() { Timeout = Long });
        Assert.Equal(runUrl, page.Url); // never reloaded: the epochs and the status came over the circuit
        Assert.StartsWith("1", (await rows.First.TextContentAsync())!.Trim());

        // It was a Slurm job running the real worker, not a local process.
        var submitted = app.Output.FirstOrDefault(l => Regex.IsMatch(l, $@"Slurm job \d+: sensorium-run-{runId} on cpu"));
        Assert.True(submitted is not null, "The app never said it submitted the run as a Slurm job:\n" + string.Join('\n', app.Output.TakeLast(30)));
        var jobScript = File.ReadAllText(Path.Combine(app.DataDirectory, "artifacts", runId, "slurm-job.sh"));
        Assert.Matches(@"sensorium\.dll'? '?train", jobScript);
        Assert.Contains(app.Output, l => Regex.IsMatch(l, $@"Run {runId}: Slurm job \d+ ended COMPLETED \(exit 0\)"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(LiveRunTests.ArtifactsDirectory, "slurm-live-run.png"), FullPage = true });
    }
}
