using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Sensorium.Browser.Tests;

/// <summary>
/// Issue 11's done-condition, from the browser alone, on the tiny dataset: train a transformer core from the New run
/// form (its own fields), sweep its learning rate from that run's spec (a grid of 2 runs), wait on the sweep page for
/// both to finish, "Ensemble top 2", make the ensemble, wait for its evaluation, submit it to both tracks in one click
/// each, and find the entries on the ensemble's page, the submissions page and both leaderboards, each pointing back to
/// the ensemble. The sweep and ensemble pages are then checked at phone width. The models are tiny (one transformer
/// block of width 16, two epochs, the two competition mice) so that the whole flow costs a few minutes on a busy
/// 2-core machine; the app runs them one at a time in one slot of two threads (fewer worker processes side by side).
/// </summary>
public sealed class SweepEnsembleFlowTests() : BrowserSession(new Dictionary<string, string>
{
    ["Workbench__Devices__0__Slots"] = "1",
    ["Worker__ThreadsPerSlot"] = "2",
})
{
    static readonly TimeSpan Startup = TimeSpan.FromMinutes(3);
    const float Long = 300_000; // ms: three tiny runs one after another, then an evaluation, on a busy 2-core machine
    static readonly string[] Mice = ["26872-17-20", "27204-5-13"];

    /// <summary>Where the test is, in the artifacts folder as it goes (a hang shows its last step).</summary>
    static void Step(string what) =>
        File.AppendAllText(Path.Combine(LiveRunTests.ArtifactsDirectory, "sweep-ensemble-steps.txt"), $"{DateTime.UtcNow:HH:mm:ss} {what}\n");

    [Fact]
    public async Task A_team_trains_a_vit_sweeps_it_ensembles_the_top_two_and_submits_the_ensemble_to_both_tracks()
    {
        var password = await app.ReadyAsync(Startup);
        var page = await WorkbenchBrowser.FirstPageAsync(browser);
        await WorkbenchBrowser.SignInAsync(page, "demo", password);

        Step("vit run from the New run form");
        var vitUrl = await QueueTinyVitAsync(page);
        var vitId = long.Parse(vitUrl.Split('/')[^1]);
        var vitSpec = await SpecAsync(page, vitId);
        var core = vitSpec.GetProperty("model").GetProperty("core");
        Assert.Equal("vit", core.GetProperty("kind").GetString());
        Assert.Equal((1, 2, 16, 8), (core.GetProperty("blocks").GetInt32(), core.GetProperty("heads").GetInt32(),
            core.GetProperty("embeddingDim").GetInt32(), core.GetProperty("patchStride").GetInt32()));
        Assert.Equal(Mice, vitSpec.GetProperty("dataset").GetProperty("mice").EnumerateArray().Select(m => m.GetString()).Order());

        Step("sweep of the vit run's learning rate");
        await page.GotoAsync($"/sweeps/new?from={vitId}");
        await WorkbenchBrowser.InteractiveAsync(page);
        await Assertions.Expect(page.Locator(".sweep-name-field input")).ToHaveValueAsync("sweep of tiny vit", new() { Timeout = 60_000 });
        await WorkbenchBrowser.SetAsync(page, ".sweep-axis-field input", "trainer.lrInit");
        await WorkbenchBrowser.SetAsync(page, ".sweep-axis-values input", "0.003,0.009");
        await page.Locator("button.sweep-preview").ClickAsync();
        await Assertions.Expect(page.Locator(".sweep-preview-count")).ToHaveTextAsync("2 runs", new() { Timeout = 60_000 });
        await page.Locator("button.sweep-queue").ClickAsync();
        var sweepUrl = await WorkbenchBrowser.WaitForAddressAsync(page, new Regex(@"/sweeps/\d+$"));

        Step("sweep runs finish");
        // The sweep page follows its runs live: both end succeeded, one is marked best, and the button offers the top 2.
        await WorkbenchBrowser.InteractiveAsync(page);
        await Assertions.Expect(page.Locator(".sweep-runs .run-status[data-status=succeeded]")).ToHaveCountAsync(2, new() { Timeout = Long });
        await Assertions.Expect(page.Locator(".sweep-best-mark")).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator(".sweep-plots svg")).Not.ToHaveCountAsync(0);
        // Sorted by validation score, best first, the header showing its arrow.
        await page.Locator(".sweep-runs button.sort-score").ClickAsync();
        await Assertions.Expect(page.Locator(".sweep-runs button.sort-score")).ToHaveTextAsync("Validation ↓", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator(".sweep-runs tbody tr").First.Locator(".sweep-best-mark")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        var ensembleButton = page.Locator("a.sweep-ensemble");
        await Assertions.Expect(ensembleButton).ToHaveTextAsync("Ensemble top 2", new() { Timeout = 60_000 });
        var sweepRuns = (await page.Locator(".sweep-runs tbody a[href^='/runs/']").AllTextContentsAsync()).Select(long.Parse).Order().ToList();
        Assert.Equal(2, sweepRuns.Count);
        Assert.DoesNotContain(vitId, sweepRuns);

        Step("ensemble top 2");
        await ensembleButton.ClickAsync();
        await WorkbenchBrowser.WaitForAddressAsync(page, new Regex(@"/ensembles/new\?runs=\d+,\d+$"));
        await WorkbenchBrowser.InteractiveAsync(page);
        await Assertions.Expect(page.Locator(".ensemble-candidates tr[data-run] input[type=checkbox]:checked")).ToHaveCountAsync(2, new() { Timeout = 60_000 });
        await WorkbenchBrowser.SetAsync(page, ".field-ensemble-name input", "top 2 of the sweep");
        var create = page.Locator("button.create-ensemble");
        await Assertions.Expect(create).ToContainTextAsync("Make an ensemble of 2 runs");
        await create.ClickAsync();
        var ensembleUrl = await WorkbenchBrowser.WaitForAddressAsync(page, new Regex(@"/ensembles/\d+$"));
        var ensembleId = long.Parse(ensembleUrl.Split('/')[^1]);

        Step("ensemble evaluated");
        await WorkbenchBrowser.InteractiveAsync(page);
        await page.Locator(".ensemble-status[data-status=succeeded]").WaitForAsync(new() { Timeout = Long });
        Assert.Equal(sweepRuns, (await page.Locator(".ensemble-members tbody td:first-child").AllTextContentsAsync()).Select(long.Parse).Order());
        foreach (var tier in new[] { "validation", "test" })
            foreach (var mouse in Mice)
                await Assertions.Expect(page.Locator($".ensemble-scores tr[data-tier={tier}][data-mouse='{mouse}'] .score-single-trial"))
                    .ToHaveTextAsync(new Regex(@"^-?\d\.\d{4}$"), new() { Timeout = 60_000 });

        Step("submit to both tracks");
        var panel = page.Locator("[data-testid=ensemble-submissions-panel]");
        var history = panel.Locator("[data-testid=submission-row]");
        int submitted = 0;
        foreach (var slug in new[] { "sensorium", "sensorium-plus" })
        {
            Step("submit " + slug);
            var button = panel.Locator($"[data-testid=submit-{slug}]");
            await Assertions.Expect(button).ToBeEnabledAsync(new() { Timeout = 30_000 });
            await button.ClickAsync();
            // The panel's history (the ensemble's entries) grows by this track's two files; then its steps are this track's.
            submitted += 2;
            await Assertions.Expect(history).ToHaveCountAsync(submitted, new() { Timeout = 180_000 });
            var steps = panel.Locator("[data-testid=submit-step]");
            await Assertions.Expect(steps).ToHaveCountAsync(2, new() { Timeout = 60_000 });
            await Assertions.Expect(steps.Nth(0)).ToContainTextAsync(new Regex(@"live test \(submission_file_live_test\.csv\):.*scored: single-trial -?\d\.\d{4}"), new() { Timeout = 60_000 });
            await Assertions.Expect(steps.Nth(1)).ToContainTextAsync("hidden until the host reveals them", new() { Timeout = 60_000 });
        }
        // The ensemble's own history: four entries, two per track.
        Assert.Equal(2, await panel.Locator("[data-testid=submission-row][data-track='sensorium+']").CountAsync());

        Step("submissions page and leaderboards");
        await page.GotoAsync("/submissions");
        var fromEnsemble = page.Locator($"[data-testid=submission-row]:has([data-testid=submission-source] a[href='/ensembles/{ensembleId}'])");
        await Assertions.Expect(fromEnsemble).ToHaveCountAsync(4, new() { Timeout = 60_000 });
        await Assertions.Expect(fromEnsemble.First.Locator("[data-testid=submission-download]")).ToContainTextAsync($"ensemble-{ensembleId}-");
        foreach (var slug in new[] { "sensorium", "sensorium-plus" })
        {
            await page.GotoAsync($"/leaderboards/{slug}/test");
            var row = page.Locator("[data-testid=leaderboard-row][data-team=demo]");
            await Assertions.Expect(row.Locator("[data-testid=rank]")).ToHaveTextAsync("1", new() { Timeout = 60_000 });
            await Assertions.Expect(row.Locator($"[data-testid=made-from] a[href='/ensembles/{ensembleId}']")).ToHaveTextAsync($"ensemble #{ensembleId}");
        }

        Step("the vit run finished");
        await page.GotoAsync(vitUrl);
        await page.Locator(".run-status[data-status=succeeded]").WaitForAsync(new() { Timeout = Long });
        await Assertions.Expect(page.Locator("table:has(th:has-text('Train loss')) tbody tr")).ToHaveCountAsync(2, new() { Timeout = 60_000 });
        Assert.Equal(JsonValueKind.Number, (await RunAsync(page, vitId)).GetProperty("bestScore").ValueKind);

        Step("screenshots");
        // The README's pictures of both pages (UPDATE_SCREENSHOTS=1 copies them into the repository).
        await page.SetViewportSizeAsync(1280, 800);
        await page.GotoAsync(sweepUrl);
        await WorkbenchBrowser.InteractiveAsync(page);
        await page.Locator(".sweep-plots svg").First.WaitForAsync();
        await WorkbenchTourTests.ShotAsync(page, "sweep");
        await page.GotoAsync(ensembleUrl);
        await WorkbenchBrowser.InteractiveAsync(page);
        await page.Locator("[data-testid=ensemble-submissions-panel] [data-testid=submission-row]").First.WaitForAsync();
        await WorkbenchTourTests.ShotAsync(page, "ensemble");

        Step("phone");
        await page.SetViewportSizeAsync(390, 844);
        foreach (var path in new[] { "/sweeps", sweepUrl, ensembleUrl })
        {
            Step("phone " + path);
            await WorkbenchBrowser.AssertFitsPhoneAsync(page, path);
        }
        await page.SetViewportSizeAsync(1400, 1000);
    }

    /// <summary>
    /// The New run form with the transformer core: one block of width 16 with 2 heads, 8×8 patches at stride 8, the two
    /// competition mice (stimulus only), batch 32, 2 epochs. Returns the run page's address.
    /// </summary>
    static async Task<string> QueueTinyVitAsync(IPage page)
    {
        await page.GotoAsync("/runs/new");
        await page.Locator(".field-dataset").GetByText("synthetic-tiny").WaitForAsync();
        await page.Locator(".new-run-form[data-interactive=true]").WaitForAsync();
        await WorkbenchBrowser.SetAsync(page, ".field-name input", "tiny vit");
        await page.Locator(".field-kind").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex("^vit ") }).ClickAsync();
        await page.Locator(".field-vit-blocks").WaitForAsync(); // the form shows the transformer's fields for a vit
        await WorkbenchBrowser.SetAsync(page, ".field-vit-blocks input", "1");
        await WorkbenchBrowser.SetAsync(page, ".field-vit-heads input", "2");
        await WorkbenchBrowser.SetAsync(page, ".field-vit-width input", "16");
        await WorkbenchBrowser.SetAsync(page, ".field-vit-stride input", "8");
        await page.Locator(".field-mice").ClickAsync();
        foreach (var mouse in Mice)
            await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex($"^{Regex.Escape(mouse)}$") }).ClickAsync();
        // A multiple choice stays open: a click outside it (on the page's heading, under the select's overlay) closes it.
        var heading = (await page.Locator("h4", new() { HasText = "New run" }).BoundingBoxAsync())!;
        await page.Mouse.ClickAsync(heading.X + 5, heading.Y + heading.Height / 2);
        await Assertions.Expect(page.Locator(".mud-popover-open")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        await WorkbenchBrowser.SetAsync(page, ".field-batch input", "32");
        await WorkbenchBrowser.SetAsync(page, ".field-epochs input", "2");
        await page.ClickAsync("button.queue-run");
        var address = await WorkbenchBrowser.WaitForAddressAsync(page, new Regex(@"/runs/\d+$"));
        await page.Locator(".run-status").WaitForAsync();
        return address;
    }

    /// <summary>GET /api/runs/{id} with the browser's own cookie.</summary>
    static async Task<JsonElement> RunAsync(IPage page, long id)
    {
        var response = await page.APIRequest.GetAsync($"/api/runs/{id}");
        Assert.Equal(200, response.Status);
        return JsonDocument.Parse(await response.TextAsync()).RootElement.Clone();
    }

    static async Task<JsonElement> SpecAsync(IPage page, long id) => (await RunAsync(page, id)).GetProperty("spec");
}
