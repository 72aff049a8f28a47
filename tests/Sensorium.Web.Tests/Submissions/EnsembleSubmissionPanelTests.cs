using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MudBlazor.Services;
using Sensorium.Storage.Ensembles;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Ensembles;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Submissions;
using Sensorium.Web.Features.Training;

namespace Sensorium.Web.Tests.Submissions;

/// <summary>
/// An evaluated ensemble of two tiny runs, its page: members and per-mouse scores shown, and one click makes (CLI
/// child process, the mean of the members), validates and submits the track's files, as a run's panel does.
/// </summary>
[Collection("tiny benchmark")]
public sealed class EnsembleSubmissionPanelTests(TinyBenchmark bench)
{
    [Fact]
    public async Task The_ensemble_page_shows_members_and_scores_and_one_click_submits_the_ensembles_files()
    {
        using var app = SubmissionClient.App(bench);
        var (team, member) = await app.CreateTeamAsync("alpha");
        var store = app.Get<RunStore>();
        var runs = new List<Run>();
        foreach (int seed in new[] { 1, 2 })
        {
            var run = await store.CreateAsync(new NewRun(team.Id, member.Id, $"tiny seed {seed}", $$"""{"seed":{{seed}}}""", null));
            string runDir = Path.Combine(app.DataDirectory, "artifacts", run.Id.ToString());
            int trained = Sensorium.Cli.CommandLine.Run(["train", "--data", bench.Data, "--track", "sensorium", "--model", "ln", "--epochs", "1", "--seed", seed.ToString(),
                "--out", runDir, "--device", "cpu", "--threads", "1", "--batch-size", "32"], new StringWriter(), new StringWriter());
            Assert.Equal(0, trained);
            await store.TransitionAsync(run.Id, RunStatus.Running, "cpu");
            runs.Add(await store.TransitionAsync(run.Id, RunStatus.Succeeded));
        }
        // Evaluated as the worker does it (this app runs no workers): the folder by the CLI, the scores stored.
        var ensembles = app.Get<EnsembleStore>();
        var ensemble = await ensembles.CreateAsync(new NewEnsemble(team.Id, member.Id, "pair", bench.Data, ["26872-17-20"], runs.Select(r => r.Id).ToList(), Waiting: false));
        string dir = app.Get<EnsembleJobs>().Directory(ensemble.Id);
        var error = new StringWriter();
        Assert.True(Sensorium.Cli.CommandLine.Run(["ensemble", "--runs", string.Join(',', runs.Select(r => Path.Combine(app.DataDirectory, "artifacts", r.Id.ToString()))),
            "--out", dir], new StringWriter(), error) == 0, error.ToString());
        var evaluated = new StringWriter();
        Assert.Equal(0, Sensorium.Cli.CommandLine.Run(["evaluate", "--run", dir, "--device", "cpu"], evaluated, new StringWriter()));
        string validation = System.Text.Json.Nodes.JsonNode.Parse(evaluated.ToString())!["mice"]!.ToJsonString();
        await ensembles.StartAsync(ensemble.Id, "cpu");
        ensemble = (await ensembles.SucceedAsync(ensemble.Id, $$"""{"validation":{{validation}},"test":null,"testMessage":"withheld here"}"""))!;

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddLogging();
        context.Services.AddSingleton(app.Get<EnsembleJobs>());
        context.Services.AddSingleton(app.Get<RunQueue>());
        context.Services.AddSingleton(app.Get<TrainingNotifications>());
        context.Services.AddSingleton(app.Get<SubmissionService>());
        context.Services.AddSingleton(app.Get<SubmissionAdmission>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Neurons.InSilicoJobs>()); // the page's per-neuron scores (twin of an ensemble)
        context.AddAuthorization().SetAuthorized(member.UserName)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, member.Id.ToString()), new Claim(WorkbenchClaims.TeamId, team.Id.ToString()));

        var cut = context.Render<EnsemblePage>(p => p.Add(c => c.EnsembleId, ensemble.Id));
        cut.WaitForAssertion(() => Assert.Contains("tiny seed 2", cut.Find(".ensemble-members").TextContent));
        Assert.Contains("data-status=\"succeeded\"", cut.Markup);
        var row = cut.Find("tr[data-tier=validation][data-mouse='26872-17-20']");
        Assert.Contains(System.Text.Json.JsonDocument.Parse(validation).RootElement[0].GetProperty("single_trial_correlation").GetDouble().ToString("F4"), row.TextContent);
        Assert.Contains("No test scores: withheld here", cut.Markup);
        Assert.Empty(cut.FindAll("[data-testid=submit-sensorium-plus]")); // the ensemble has no readout for that mouse

        cut.Find("[data-testid=submit-sensorium]").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=submit-step]").Count(s => s.TextContent.Contains("scored"))),
            TimeSpan.FromMinutes(3));
        var stored = await app.Get<Sensorium.Storage.Submissions.SubmissionStore>().ListForTeamAsync(team.Id);
        Assert.Equal(2, stored.Count);
        Assert.All(stored, s => Assert.StartsWith($"ensemble-{ensemble.Id}-", s.FileName));
        Assert.Single(Directory.GetDirectories(Path.Combine(dir, "submissions")));
    }
}
