using System.Net.Http.Json;
using Bunit;
using MudBlazor.Services;
using Microsoft.Extensions.DependencyInjection;
using Sensorium.Data.Submissions;
using Sensorium.Storage.Ensembles;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Leaderboards;
using Sensorium.Web.Features.Submissions;
using static Sensorium.Web.Tests.Submissions.SubmissionClient;

namespace Sensorium.Web.Tests.Submissions;

/// <summary>
/// A submission made from an ensemble (migration 0012) records the ensemble: the team's list and the panel's history
/// carry it, the submissions table links it, and a leaderboard row says it came from an ensemble, naming which one only
/// to its own team.
/// </summary>
[Collection("tiny benchmark")]
public sealed class EnsembleSubmissionSourceTests(TinyBenchmark bench)
{
    [Fact]
    public async Task An_entry_made_from_an_ensemble_points_back_to_it_for_its_team_only()
    {
        using var app = App(bench);
        var (alpha, member, _, alphaClient) = await TeamWithTokenAsync(app, "alpha");
        var (_, _, _, betaClient) = await TeamWithTokenAsync(app, "beta");
        var runs = app.Get<RunStore>();
        var first = await runs.CreateAsync(new NewRun(alpha.Id, member.Id, "a", "{}", null));
        var second = await runs.CreateAsync(new NewRun(alpha.Id, member.Id, "b", "{}", null));
        var ensemble = await app.Get<EnsembleStore>().CreateAsync(
            new NewEnsemble(alpha.Id, member.Id, "pair", bench.Data, ["26872-17-20"], [first.Id, second.Id], Waiting: false));

        // What the ensemble page's panel sends (SubmissionSource.Request), through the real intake.
        var source = new SubmissionSource("ensemble", alpha.Id, null, ensemble.Id, ["26872-17-20"], _ => "", _ => throw new InvalidOperationException(),
            made => $"ensemble-{ensemble.Id}-{made}");
        SubmitResult result;
        await using (var csv = new MemoryStream(bench.ValidCsv("sensorium", "test", noise: 0.2)))
            result = await app.Get<SubmissionService>().SubmitAsync(
                source.Request(member.Id, isAdmin: false, "sensorium", SubmissionTiers.LiveTest, "submission_file_live_test.csv"), csv);
        Assert.Equal(SubmitOutcome.Scored, result.Outcome);
        Assert.Null(result.Submission!.RunId);
        Assert.Equal(ensemble.Id, result.Submission.EnsembleId);

        var own = Assert.Single((await alphaClient.GetFromJsonAsync<SubmissionResponse[]>("/api/submissions", WorkbenchApp.Json))!);
        Assert.Equal(((long?)null, (long?)ensemble.Id, $"ensemble-{ensemble.Id}-submission_file_live_test.csv"), (own.RunId, own.EnsembleId, own.FileName));
        var history = await app.Get<SubmissionService>().ListMadeFromAsync(null, ensemble.Id, isAdmin: false);
        Assert.Equal(own.Id, Assert.Single(history).Id);
        Assert.Empty(await app.Get<SubmissionService>().ListMadeFromAsync(first.Id, null, isAdmin: false));

        // The leaderboard: the team sees which ensemble; another team and an anonymous visitor only that it was one.
        var mine = Assert.Single((await alphaClient.GetFromJsonAsync<Leaderboard>("/api/leaderboards/sensorium/test", WorkbenchApp.Json))!.Rows);
        Assert.Equal((LeaderboardRow.Ensemble, (long?)ensemble.Id, (long?)null), (mine.Source, mine.EnsembleId, mine.RunId));
        foreach (var client in new[] { betaClient, app.CreateClient() })
        {
            var theirs = Assert.Single((await client.GetFromJsonAsync<Leaderboard>("/api/leaderboards/sensorium/test", WorkbenchApp.Json))!.Rows);
            Assert.Equal((LeaderboardRow.Ensemble, (long?)null), (theirs.Source, theirs.EnsembleId));
        }

        // The submissions table links the ensemble where it links a run.
        await using var context = new BunitContext();
        context.Services.AddMudServices();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        var table = context.Render<SubmissionTable>(p => p.Add(c => c.Rows, [own]));
        var link = table.Find($"[data-testid=submission-source] a[href='/ensembles/{ensemble.Id}']");
        Assert.Equal($"ensemble #{ensemble.Id}", link.TextContent);
    }
}
