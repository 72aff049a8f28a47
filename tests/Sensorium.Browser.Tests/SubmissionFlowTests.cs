using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Sensorium.Browser.Tests;

/// <summary>
/// From a trained run to a ranked leaderboard entry in a real browser, for both tracks: train a tiny run per track
/// (Sensorium: image only on 26872-17-20; Sensorium+: behaviour and shifter on 27204-5-13), one click on the run page
/// makes, validates and submits the live-test and final-test files, the public leaderboard shows the team's row (the
/// final test stays hidden from the team); then the file is downloaded and uploaded again as a CSV "made elsewhere"
/// (same official format as the starter kit's), a malformed CSV gets its errors per row, and the daily limit refuses
/// with the time the next submission is allowed. Scoring uses the tiny dataset's host copy (the real ground truth).
/// </summary>
public sealed class SubmissionFlowTests() : BrowserSession(new Dictionary<string, string> { ["Submissions__MaxPerWindow"] = "2" })
{
    static readonly TimeSpan Startup = TimeSpan.FromMinutes(3);
    const float Long = 240_000; // ms: two tiny runs side by side on a busy 2-core machine

    // Two submissions per track and tier per day for this app (above): one by the one-click path, one upload; a third is refused.
    readonly string downloads = Directory.CreateTempSubdirectory("sensorium-downloads-").FullName;

    protected override string? Downloads => downloads;

    protected override void CleanUp()
    {
        try { Directory.Delete(downloads, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_trained_run_reaches_both_leaderboards_with_one_click_each_and_an_uploaded_csv_is_ranked_too()
    {
        var password = await app.ReadyAsync(Startup);
        var page = await WorkbenchBrowser.FirstPageAsync(browser);
        await WorkbenchBrowser.SignInAsync(page, "demo", password);

        // Two tiny runs, one per track; they train side by side (two CPU slots).
        var sensoriumRun = await WorkbenchBrowser.QueueTinyRunAsync(page, "tiny sensorium", "sensorium", epochs: 2);
        var plusPage = await browser.NewPageAsync();
        var plusRun = await WorkbenchBrowser.QueueTinyRunAsync(plusPage, "tiny sensorium+", "sensorium+", epochs: 2);

        // Before the run has finished, the panel says so.
        await page.Locator("[data-testid=run-submissions-panel]").WaitForAsync();

        // Sensorium: one click → two files made, validated, submitted and scored.
        var live = await SubmitFromRunAsync(page, sensoriumRun, "sensorium");
        var plusLive = await SubmitFromRunAsync(plusPage, plusRun, "sensorium-plus");
        await page.ScreenshotAsync(new() { Path = Path.Combine(LiveRunTests.ArtifactsDirectory, "run-submitted.png"), FullPage = true });

        // The public leaderboards rank the team: Sensorium by correlation to average, Sensorium+ by single-trial.
        var team = await TeamRowAsync(page, "sensorium", "test");
        Assert.Equal("1", (await team.Locator("[data-testid=rank]").TextContentAsync())!.Trim());
        Assert.Equal("correlation to average", await page.Locator("[data-testid=ranked-by]").TextContentAsync());
        Assert.Contains(live.ToAverage, await team.TextContentAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(LiveRunTests.ArtifactsDirectory, "leaderboard-sensorium.png"), FullPage = true });

        var plusTeam = await TeamRowAsync(page, "sensorium-plus", "test");
        Assert.Equal("1", (await plusTeam.Locator("[data-testid=rank]").TextContentAsync())!.Trim());
        Assert.Equal("single-trial correlation", await page.Locator("[data-testid=ranked-by]").TextContentAsync());
        Assert.Contains(plusLive.SingleTrial, await plusTeam.TextContentAsync());

        // The final test was scored but is hidden from the team until the host reveals it.
        await page.GotoAsync("/leaderboards/sensorium/final_test");
        await page.Locator("[data-testid=board-hidden]").WaitForAsync();
        Assert.Equal(0, await page.Locator("[data-testid=leaderboard-row]").CountAsync());

        // Download the live-test file (the official CSV, as the starter kit writes it) and upload it as a CSV made
        // elsewhere: validated, scored, and counted on the leaderboard as the team's second entry.
        await page.GotoAsync("/submissions");
        var link = page.Locator("[data-testid=submission-row][data-track=sensorium][data-tier=test] [data-testid=submission-download]");
        var download = await page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        var csv = Path.Combine(downloads, "from-python.csv");
        await download.SaveAsAsync(csv);
        Assert.StartsWith("trial_indices,image_ids,prediction,neuron_ids", File.ReadLines(csv).First());

        // A malformed CSV (it does not count towards the limit): the row whose first prediction is not a number is named, with its line.
        var lines = File.ReadAllLines(csv);
        var broken = Path.Combine(downloads, "broken.csv");
        lines[2] = new Regex("\"\\[[^,\\]]+").Replace(lines[2], "\"[oops", 1); // line 3 of the file
        File.WriteAllLines(broken, lines);
        await UploadAsync(page, "sensorium", "test", broken);
        await Assertions.Expect(page.Locator("[data-testid=upload-result]")).ToContainTextAsync("broken.csv", new() { Timeout = 60_000 });
        var errors = page.Locator("[data-testid=upload-errors] li");
        Assert.True(await errors.CountAsync() >= 1);
        Assert.Contains("broken.csv:3:", await errors.First.TextContentAsync());

        await UploadAsync(page, "sensorium", "test", csv);
        var result = page.Locator("[data-testid=upload-result]");
        await Assertions.Expect(result).ToContainTextAsync("from-python.csv: valid and scored", new() { Timeout = 60_000 });
        Assert.Contains($"to average {live.ToAverage}", await result.TextContentAsync()); // same file, same scores
        team = await TeamRowAsync(page, "sensorium", "test");
        Assert.Equal("2", (await team.Locator("td").Nth(5).TextContentAsync())!.Trim()); // entries

        // A third live-test submission of the day is refused, saying when the next is allowed.
        await UploadAsync(page, "sensorium", "test", csv);
        await Assertions.Expect(page.Locator("[data-testid=upload-result]")).ToContainTextAsync("The next is allowed at", new() { Timeout = 60_000 });

        await page.ScreenshotAsync(new() { Path = Path.Combine(LiveRunTests.ArtifactsDirectory, "submissions.png"), FullPage = true });
    }

    sealed record Scores(string SingleTrial, string ToAverage);

    /// <summary>Waits for the run to succeed, clicks its track's button and checks both files were scored; returns the live-test scores shown.</summary>
    static async Task<Scores> SubmitFromRunAsync(IPage page, string runUrl, string slug)
    {
        if (page.Url != runUrl) await page.GotoAsync(runUrl);
        await page.Locator(".run-status[data-status=succeeded]").WaitForAsync(new() { Timeout = Long });
        var button = page.Locator($"[data-testid=submit-{slug}]");
        await Assertions.Expect(button).ToBeEnabledAsync(new() { Timeout = 30_000 });
        await WorkbenchBrowser.InteractiveAsync(page);
        await button.ClickAsync();
        var steps = page.Locator("[data-testid=submit-step]");
        await Assertions.Expect(steps).ToHaveCountAsync(2, new() { Timeout = 120_000 });
        await Assertions.Expect(steps.Nth(1)).ToContainTextAsync("scored", new() { Timeout = 120_000 });
        var liveText = (await steps.Nth(0).TextContentAsync())!;
        var finalText = (await steps.Nth(1).TextContentAsync())!;
        Assert.Contains("live test (submission_file_live_test.csv)", liveText);
        Assert.Contains("final test (submission_file_final_test.csv)", finalText);
        Assert.Contains("hidden until the host reveals them", finalText);
        var m = Regex.Match(liveText, @"single-trial (-?\d\.\d{4}), to average (-?\d\.\d{4})");
        Assert.True(m.Success, liveText);
        // The run's own history lists both entries.
        await Assertions.Expect(page.Locator("[data-testid=run-submissions-panel] tbody tr")).ToHaveCountAsync(2);
        return new Scores(m.Groups[1].Value, m.Groups[2].Value);
    }

    static async Task<ILocator> TeamRowAsync(IPage page, string slug, string tier)
    {
        await page.GotoAsync($"/leaderboards/{slug}/{tier}");
        var row = page.Locator("[data-testid=leaderboard-row][data-team=demo]");
        await row.WaitForAsync();
        return row;
    }

    static async Task UploadAsync(IPage page, string track, string tier, string file)
    {
        if (!page.Url.EndsWith("/submissions")) await page.GotoAsync("/submissions");
        await WorkbenchBrowser.InteractiveAsync(page);
        await page.Locator("label.upload-choose").WaitForAsync();
        await ChooseAsync(page, ".upload-track", track);
        await ChooseAsync(page, ".upload-tier", tier == "test" ? "live test (test)" : "final test (final_test)");
        await page.SetInputFilesAsync("[data-testid=upload-file]", file); // the hidden input behind the MudBlazor button
    }

    /// <summary>Picks <paramref name="item"/> in the MudSelect at <paramref name="selector"/>.</summary>
    static async Task ChooseAsync(IPage page, string selector, string item)
    {
        await page.Locator(selector).ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex($"^{Regex.Escape(item)}$") }).ClickAsync();
        await Assertions.Expect(page.Locator($"{selector} input")).ToHaveValueAsync(item == "live test (test)" ? "test" : item == "final test (final_test)" ? "final_test" : item);
    }
}
