using System.Net.Http.Json;
using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Leaderboards;
using Sensorium.Web.Features.Submissions;

namespace Sensorium.Web.Tests.Submissions;

/// <summary>A tiny trained run, one click on its page: make (CLI child process) → validate → submit → leaderboard.</summary>
[Collection("tiny benchmark")]
public sealed class RunSubmissionPanelTests(TinyBenchmark bench)
{
    [Fact]
    public async Task One_click_makes_validates_and_submits_a_tracks_files_and_the_leaderboard_shows_the_team()
    {
        using var app = SubmissionClient.App(bench);
        var (team, member) = await app.CreateTeamAsync("alpha");
        var store = app.Get<RunStore>();
        var run = await store.CreateAsync(new NewRun(team.Id, member.Id, "tiny-ln", "{}", null));

        // Train where the launcher puts runs: ArtifactsDirectory/<runId>.
        string runDir = Path.Combine(app.DataDirectory, "artifacts", run.Id.ToString());
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Sensorium.Cli.CommandLine.Run(["train", "--data", bench.Data, "--track", "sensorium", "--model", "ln", "--epochs", "1",
            "--out", runDir, "--device", "cpu", "--threads", "1", "--batch-size", "32"], output, error);
        Assert.True(code == 0, error.ToString());
        await store.TransitionAsync(run.Id, RunStatus.Running, "cpu");
        run = await store.TransitionAsync(run.Id, RunStatus.Succeeded);

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(app.Get<RunSubmissionMaker>());
        context.Services.AddSingleton(app.Get<SubmissionService>());
        context.Services.AddSingleton(app.Get<SubmissionVisibility>());
        context.Services.AddSingleton(app.Get<SubmissionAdmission>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Leaderboards.LeaderboardService>());
        context.Services.AddSingleton(app.Get<SubmissionNotifications>());
        context.AddAuthorization().SetAuthorized(member.UserName)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, member.Id.ToString()), new Claim(WorkbenchClaims.TeamId, team.Id.ToString()));

        var cut = context.Render<RunSubmissionsPanel>(p => p.Add(c => c.Run, run));
        // A stimulus-only run of the Sensorium mouse: Sensorium+ (another mouse) is not offered, and the panel says why.
        Assert.Empty(cut.FindAll("[data-testid=submit-sensorium-plus]"));
        Assert.Contains("trained on 26872-17-20, not on 27204-5-13", cut.Find("[data-testid=not-offered-sensorium-plus]").TextContent);
        cut.Find("[data-testid=submit-sensorium]").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=submit-step]").Count(s => s.TextContent.Contains("scored"))),
            TimeSpan.FromMinutes(3));
        var steps = cut.FindAll("[data-testid=submit-step]").Select(s => s.TextContent).ToList();
        Assert.Contains(steps, s => s.Contains("live test") && s.Contains("to average"));
        Assert.Contains(steps, s => s.Contains("final test") && s.Contains("hidden until the host reveals"));
        Assert.Equal(2, cut.FindAll("[data-testid=submission-row]").Count);

        var board = await app.CreateClient().GetFromJsonAsync<Leaderboard>("/api/leaderboards/sensorium/test", WorkbenchApp.Json);
        var row = Assert.Single(board!.Rows);
        Assert.Equal(("alpha", 1), (row.TeamName, row.Rank!.Value));
        var stored = await app.Get<Sensorium.Storage.Submissions.SubmissionStore>().ListForRunAsync(run.Id);
        Assert.Equal(2, stored.Count);

        // The same click again the same day: refused with when the next is allowed, before any file is made.
        cut.Find("[data-testid=submit-sensorium]").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=submit-step]").Count(s => s.TextContent.Contains("next is allowed at"))),
            TimeSpan.FromMinutes(3));
        Assert.Single(Directory.GetDirectories(Path.Combine(runDir, "submissions")));

        // An entry for this run made elsewhere (here: the host, exempt from the limit, through the service the API
        // uses) appears in the open panel without a reload.
        string made = Directory.GetFiles(Path.Combine(runDir, "submissions"), "submission_file_live_test.csv", SearchOption.AllDirectories).First();
        await using (var file = File.OpenRead(made))
        {
            var result = await app.Get<SubmissionService>().SubmitAsync(
                new SubmitRequest(team.Id, member.Id, true, Tracks.Sensorium, Sensorium.Data.Submissions.SubmissionTiers.LiveTest, "again.csv", run.Id), file);
            Assert.Equal(SubmitOutcome.Scored, result.Outcome);
        }
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=submission-row]").Count), TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("sensorium submission make: /srv/data/artifacts/12: the run was trained on 26872-17-20, not on 27204-5-13 (the sensorium+ mouse): it has no readout for it",
        "the run was trained on 26872-17-20, not on 27204-5-13 (the sensorium+ mouse): it has no readout for it")]
    [InlineData("cannot read /srv/data/datasets/synthetic-small/static1.zip entirely", "cannot read static1.zip entirely")]
    public void Failures_shown_in_the_browser_carry_no_prefix_twice_and_no_server_path(string cli, string shown)
    {
        Assert.Equal(shown, RunSubmissionMaker.ForPeople(new Sensorium.Data.DataFormatException("submission make", cli)));
    }
}
