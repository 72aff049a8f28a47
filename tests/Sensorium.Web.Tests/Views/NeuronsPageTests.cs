using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Sensorium.Data.Synthetic;
using Sensorium.Storage.Runs;
using Sensorium.Training.InSilico;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Neurons;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Tests.Views;

public sealed class NeuronsPageTests
{
    const int N = 5, H = 36, W = 64;

    /// <summary>A finished run whose model directory holds in-silico results written by the real writer, and a ground truth.</summary>
    static async Task<(Run Run, Sensorium.Storage.Accounts.Team Team, Sensorium.Storage.Accounts.User Member)> FinishedRunWithResultsAsync(WorkbenchApp app)
    {
        var (team, member) = await app.CreateTeamAsync("alpha");
        string dataset = Path.Combine(app.DataDirectory, "fake-dataset");
        var store = app.Get<RunStore>();
        var run = await store.CreateAsync(new NewRun(team.Id, member.Id, "cnn", System.Text.Json.JsonSerializer.Serialize(new { dataset = new { path = dataset } }), null));
        await store.TransitionAsync(run.Id, RunStatus.Running, "cpu");
        await store.TransitionAsync(run.Id, RunStatus.Succeeded);
        string runDir = Path.Combine(app.Get<IOptions<WorkbenchOptions>>().Value.ArtifactsDirectory, run.Id.ToString());
        Directory.CreateDirectory(runDir);
        File.WriteAllText(Path.Combine(runDir, "spec.json"), new Sensorium.Training.RunSpec { Dataset = new DatasetSpec { Path = dataset } }.ToJson());
        WriteResults(runDir, dataset);
        return (run, team, member);
    }

    /// <summary>In-silico results of 5 neurons in MODELDIR/insilico (the real writer) and their ground truth in the dataset folder.</summary>
    internal static void WriteResults(string modelDir, string dataset)
    {
        var folder = new InSilicoFolder(Path.Combine(modelDir, InSilicoFolder.DefaultName));
        var scores = Enumerable.Range(0, N).Select(j => new NeuronScore(j, 10 + j, 100 * j, -50 * j, 200, 0.1 * j, 0.1 * j + 0.05, 0.2 + 0.1 * j)).ToList();
        int trials = 6; // 3 images × 2 repeats
        var predictions = Enumerable.Range(0, trials * N).Select(i => (float)(i % 7) / 7).ToArray();
        folder.WriteScores(new NeuronScoreTable("26872-17-20", scores, [0, 1, 2, 3, 4, 5], [7, 7, 8, 8, 9, 9], predictions, predictions.Select(p => p + 0.1f).ToArray()));
        int[] all = Enumerable.Range(0, N).ToArray();
        var map = Enumerable.Range(0, N * H * W).Select(i => (float)Math.Sin(i * 0.01)).ToArray();
        folder.WriteRf("26872-17-20", new RfResult(all, H, W, map, map, map.Select(Math.Abs).ToArray(),
            all.Select(j => new RfCentre(20 + j, 10)).ToArray(), all.Select(j => new RfCentre(21 + j, 11)).ToArray(), new RfOptions()));
        folder.WriteMei("26872-17-20", new MeiResult([4], H, W, map[..(H * W)], map[..(H * W)],
            [new NeuronMei(4, 3.5, [3.5, 3.1], 2.0, 9, 4, 12)], new MeiOptions()), -2, 2);
        var oris = new double[] { 0, 45, 90, 135 };
        var sfs = new double[] { 0.1, 0.2 };
        var phases = new double[] { 0, 2.1, 4.2 };
        var responses = Enumerable.Range(0, N * 4 * 2 * 3).Select(i => (float)(1 + (i % 5))).ToArray();
        folder.WriteTuning("26872-17-20", new TuningResult(all, oris, sfs, phases, responses,
            all.Select(j => new NeuronTuning(j, 30 * j, 0.4, 0.1, j % 2 == 0 ? 1.5 : 0.2, j % 2 == 0, 1, 5)).ToArray(), new TuningOptions()));
        var truth = new MouseGroundTruth("26872-17-20", H, W, 0, 0, MouseGroundTruth.ConventionText,
            all.Select(j => new NeuronGroundTruth(j, 10 + j, 20 + j, 10, 20 + j, 10, 2, 1, 8, 0.125, 30 * j, 0, j % 2 == 1, false)).ToList());
        truth.Write(dataset);
        folder.WriteScore(InSilicoRunner.Score(folder, dataset, threshold: 0.2));
    }

    internal static BunitContext Context(WorkbenchApp app, Sensorium.Storage.Accounts.Team team, Sensorium.Storage.Accounts.User member)
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(app.Get<RunQueue>());
        context.Services.AddSingleton(app.Get<InSilicoJobs>());
        context.AddAuthorization().SetAuthorized(member.UserName)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, member.Id.ToString()), new Claim(WorkbenchClaims.TeamId, team.Id.ToString()));
        return context;
    }

    [Fact]
    public async Task Neurons_page_shows_scores_on_the_cortex_the_truth_score_and_a_picked_neurons_rf_mei_and_tuning()
    {
        using var app = new WorkbenchApp();
        var (run, team, member) = await FinishedRunWithResultsAsync(app);
        await using var context = Context(app, team, member);

        context.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo($"/runs/{run.Id}/neurons?neuron=4");
        var cut = context.Render<NeuronsPage>(p => p.Add(c => c.RunId, run.Id));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll(".neuron-panel")));
        Assert.Equal("5", cut.Find("figure[data-chart='Neurons at their cortical positions'] g.scatter-points").GetAttribute("data-points"));
        Assert.NotEmpty(cut.FindAll("figure[data-chart='Per-neuron test single-trial correlation'] rect.histogram-bar"));
        Assert.StartsWith("data:text/csv;base64,", cut.Find("a.insilico-csv").GetAttribute("href"));
        var truthTable = cut.Find(".insilico-truth").TextContent;
        Assert.Contains("test correlation ≥ 0.2", truthTable);
        Assert.Contains("all neurons", truthTable);

        var panel = cut.Find(".neuron-panel");
        Assert.Equal("4", panel.GetAttribute("data-neuron"));
        Assert.Equal(["gradient", "energy", "sta", "mei", "natural"], cut.FindAll(".neuron-panel figure.neuron-picture").Select(f => f.GetAttribute("data-kind")));
        Assert.All(cut.FindAll(".neuron-panel img"), img => Assert.StartsWith("data:image/png;base64,", img.GetAttribute("src")));
        Assert.Contains("preferred orientation 120°", cut.Find(".neuron-tuning").TextContent);
        Assert.Contains("simple", cut.Find(".neuron-tuning").TextContent);
        Assert.Contains("Truth: RF (24.0, 10.0) px", cut.Find(".neuron-truth").TextContent);
        Assert.Contains("MEI: predicted 3.50", panel.TextContent);
        Assert.Equal(["4"], cut.FindAll("figure[data-chart='Orientation (at the preferred SF)'] g.chart-series[data-series='peak over phase']").Select(g => g.GetAttribute("data-points")));
        var test = cut.FindAll("figure[data-chart^='Test images'] g.chart-series").ToDictionary(g => g.GetAttribute("data-series")!, g => g.GetAttribute("data-points"));
        Assert.Equal("6", test["recorded (each repeat)"]);
        Assert.Equal("3", test["recorded mean"]);
        Assert.Equal("3", test["predicted"]);

        // Picking another of the best neurons: it has no MEI, and the page says how to get one.
        cut.FindAll("a.neuron-top").Single(a => a.TextContent == "#3").Click();
        cut.WaitForAssertion(() => Assert.Equal("3", cut.Find(".neuron-panel").GetAttribute("data-neuron")));
        Assert.Contains("MEIs are made for the top neurons only", cut.Find(".neuron-panel").TextContent);
    }

    [Fact]
    public async Task Another_team_does_not_see_the_run_and_an_unfinished_run_cannot_be_queued()
    {
        using var app = new WorkbenchApp();
        var (run, _, _) = await FinishedRunWithResultsAsync(app);
        var (beta, betaMember) = await app.CreateTeamAsync("beta");
        await using (var context = Context(app, beta, betaMember))
        {
            var cut = context.Render<NeuronsPage>(p => p.Add(c => c.RunId, run.Id));
            cut.WaitForAssertion(() => Assert.Contains($"Run {run.Id} was not found", cut.Markup));
            Assert.Empty(cut.FindAll(".neuron-panel"));
        }
        var queued = await app.Get<RunStore>().CreateAsync(new NewRun(beta.Id, betaMember.Id, "x", "{}", null));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => app.Get<InSilicoJobs>().EnqueueAsync(queued, 4));
        Assert.Contains("has not finished training", e.Message);
    }

    [Fact]
    public async Task Run_page_shows_per_neuron_score_histograms_the_cortical_map_the_csv_and_the_way_to_the_neurons_page()
    {
        using var app = new WorkbenchApp();
        var (run, team, member) = await FinishedRunWithResultsAsync(app);
        await using var context = RunCurvesTests.RunPageContext(app, team.Id, member);

        var cut = context.Render<RunDetailPage>(p => p.Add(c => c.RunId, run.Id)); // the component is on the run page itself
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find(".run-neuron-scores").GetAttribute("data-has-scores")));
        var panel = cut.Find(".run-neuron-scores");
        Assert.NotEmpty(panel.QuerySelectorAll("figure[data-chart='Per-neuron validation correlation'] rect.histogram-bar"));
        Assert.NotEmpty(panel.QuerySelectorAll("figure[data-chart='Per-neuron test single-trial correlation'] rect.histogram-bar"));
        Assert.All(panel.QuerySelectorAll(".histogram-chart .chart-y-label"), label => Assert.Equal("neurons", label.TextContent));
        Assert.Equal("5", panel.QuerySelector("figure[data-chart='Neurons at their cortical positions'] g.scatter-points")!.GetAttribute("data-points"));
        // Test single-trial scores 0.05, 0.15, …, 0.45: median 0.25, two of five ≥ 0.3.
        Assert.Contains("5 neurons of 26872-17-20 · median test single-trial correlation 0.250 · 2 of them ≥ 0.3", panel.QuerySelector(".run-neuron-summary")!.TextContent);
        Assert.StartsWith("data:text/csv;base64,", panel.QuerySelector("a.run-neuron-csv")!.GetAttribute("href"));
        Assert.Equal($"/runs/{run.Id}/neurons", panel.QuerySelector("a.run-neurons-more")!.GetAttribute("href"));
    }

    [Fact]
    public async Task Run_page_without_scores_offers_the_job_and_says_why_this_server_cannot_run_it()
    {
        using var app = new WorkbenchApp(); // no worker processes
        var (team, member) = await app.CreateTeamAsync("alpha");
        var store = app.Get<RunStore>();
        var run = await store.CreateAsync(new NewRun(team.Id, member.Id, "cnn", "{}", null));
        await store.TransitionAsync(run.Id, RunStatus.Running, "cpu");
        await store.TransitionAsync(run.Id, RunStatus.Succeeded);
        string runDir = Path.Combine(app.Get<IOptions<WorkbenchOptions>>().Value.ArtifactsDirectory, run.Id.ToString());
        Directory.CreateDirectory(runDir);
        File.WriteAllText(Path.Combine(runDir, "spec.json"), new Sensorium.Training.RunSpec().ToJson());
        await using var context = RunCurvesTests.RunPageContext(app, team.Id, member);

        var cut = context.Render<RunDetailPage>(p => p.Add(c => c.RunId, run.Id));
        cut.WaitForAssertion(() => Assert.Equal("false", cut.Find(".run-neuron-scores").GetAttribute("data-has-scores")));
        Assert.Contains("No per-neuron scores yet", cut.Find(".run-neuron-empty").TextContent);
        cut.Find("button.run-neuron-queue").Click();
        var snackbar = context.Services.GetRequiredService<MudBlazor.ISnackbar>();
        cut.WaitForAssertion(() => Assert.Contains(snackbar.ShownSnackbars, s => s.Message is { } m && m.Contains("Worker:Enabled is false", StringComparison.Ordinal))); // says why
        Assert.Null(await app.Get<Sensorium.Storage.InSilico.InSilicoJobStore>().LatestForRunAsync(run.Id));
    }
}
