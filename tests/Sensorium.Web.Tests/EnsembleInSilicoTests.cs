using Bunit;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sensorium.Data.Synthetic;
using Sensorium.Storage.InSilico;
using Sensorium.Training.InSilico;
using Sensorium.Web.Features.Ensembles;
using Sensorium.Web.Features.Neurons;
using Sensorium.Web.Hosting;
using Sensorium.Web.Tests.Views;
using Ensemble = Sensorium.Storage.Ensembles.Ensemble;
using InSilicoJob = Sensorium.Web.Features.Neurons.InSilicoJob;

namespace Sensorium.Web.Tests;

/// <summary>
/// In-silico experiments of an ensemble: the real flow (two tiny runs trained here, the ensemble evaluated by the real
/// worker, then its in-silico job run by `sensorium insilico all` on the ensemble folder in the dispatcher's slot), and
/// the pages (the Neurons page and the per-neuron scores of an ensemble, another team sees neither and cannot queue).
/// </summary>
public sealed class EnsembleInSilicoTests
{
    [Fact]
    public async Task An_evaluated_ensembles_job_runs_the_worker_on_the_ensemble_folder_and_leaves_its_results_apart_from_its_runs()
    {
        using var app = new WorkbenchApp(settings: EnsembleTests.WithWorker);
        string dataset = Path.Combine(app.DataDirectory, "tiny");
        SyntheticDataset.Generate(new SynthOptions { OutputDirectory = dataset, Preset = SynthPreset.Tiny, Seed = 5, Mice = ["26872-17-20"], WriteZips = false });
        var (team, member) = await app.CreateTeamAsync("alpha");
        var (rival, rivalMember) = await app.CreateTeamAsync("beta");
        var a = await EnsembleTests.FinishedRunAsync(app, team.Id, member.Id, EnsembleTests.TinySpec(dataset, 1));
        var b = await EnsembleTests.FinishedRunAsync(app, team.Id, member.Id, EnsembleTests.TinySpec(dataset, 2));
        var ensembles = app.Get<EnsembleJobs>();
        var made = await ensembles.CreateAsync(team.Id, member.Id, "two seeds", [a.Id, b.Id]);
        Assert.True(made.Ensemble is not null, string.Join("; ", made.Errors.SelectMany(e => e.Value)));
        var jobs = app.Get<InSilicoJobs>();
        var target = InSilicoTarget.OfEnsemble(made.Ensemble.Id);

        // Not evaluated yet: it cannot be queued, and says why.
        var pending = await jobs.SubjectAsync(team.Id, target);
        if (pending!.Ready is false)
            Assert.Contains("has not been evaluated", (await Assert.ThrowsAsync<InvalidOperationException>(() => jobs.EnqueueAsync(pending, 1, member.Id))).Message);
        var evaluated = await EnsembleTests.EndOfAsync(app, made.Ensemble.Id);
        Assert.True(evaluated.Status == Sensorium.Storage.Ensembles.EnsembleStatus.Succeeded, evaluated.Message);

        Assert.Null(await jobs.SubjectAsync(rival.Id, target)); // another team's ensemble is not there for them
        var subject = (await jobs.SubjectAsync(team.Id, target))!;
        Assert.True(subject.Ready);
        Assert.Equal(ensembles.Directory(evaluated.Id), subject.ModelDirectory);

        var states = new List<InSilicoJob>();
        var finished = new TaskCompletionSource<InSilicoJob>(TaskCreationOptions.RunContinuationsAsynchronously);
        jobs.Changed += changed =>
        {
            if (changed != target || jobs.Get(changed) is not { } job) return;
            lock (states) states.Add(job);
            if (!job.IsActive) finished.TrySetResult(job);
        };
        Assert.True(await jobs.EnqueueAsync(subject, meiNeurons: 1, member.Id));
        Assert.False(await jobs.EnqueueAsync(subject, meiNeurons: 1, member.Id)); // one job per ensemble at a time
        var end = await finished.Task.WaitAsync(TimeSpan.FromMinutes(10));
        Assert.True(end.State == InSilicoJobState.Done, end.Message);
        Assert.Equal("cpu", end.Device);
        var stored = await app.Get<InSilicoJobStore>().LatestForEnsembleAsync(evaluated.Id);
        Assert.Equal((InSilicoJobStatus.Done, (long?)null, (long?)evaluated.Id), (stored!.Status, stored.RunId, stored.EnsembleId));
        Assert.Null(await app.Get<InSilicoJobStore>().LatestForRunAsync(a.Id)); // its members have no job of their own
        lock (states)
        {
            Assert.Equal(InSilicoJobState.Queued, states[0].State);
            Assert.Contains(states, s => s.State == InSilicoJobState.Running && s.Stage.StartsWith("rf:", StringComparison.Ordinal));
        }

        var folder = new InSilicoFolder(jobs.ResultsDirectory(subject)!);
        Assert.StartsWith(ensembles.Directory(evaluated.Id), folder.Directory);
        int neurons = folder.ReadScores()!.Neurons.Count;
        Assert.True(neurons > 10);
        Assert.Equal(neurons, folder.ReadRf()!.Neurons.Count);
        Assert.Single(folder.ReadMei()!.Neurons);
        Assert.Equal(neurons, folder.ReadTuning()!.Neurons.Count);
        Assert.Equal(neurons, folder.ReadScore()!.Groups[1].SimpleComplex.Neurons); // scored against the dataset's ground truth
        Assert.False(File.Exists(Path.Combine(jobs.ResultsDirectory(a)!, "scores.json"))); // nothing written into a member's folder
    }

    [Fact]
    public void A_jobs_target_crosses_web_nodes_intact_in_the_json_other_nodes_read()
    {
        // As Features/Nodes/NodeEvents (de)serializes a job change for other web nodes.
        var json = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)
        {
            Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase) },
        };
        foreach (var target in new[] { InSilicoTarget.OfEnsemble(7), InSilicoTarget.OfRun(7) })
        {
            var job = new InSilicoJob(target, InSilicoJobState.Running, "rf: gradient 3/10", 0.25, null, DateTimeOffset.UnixEpoch, "cpu");
            var back = System.Text.Json.JsonSerializer.Deserialize<InSilicoJob>(System.Text.Json.JsonSerializer.Serialize(job, json), json)!;
            Assert.Equal(job, back);
            Assert.Equal(target.IsEnsemble ? null : 7, back.RunId);
        }
    }

    /// <summary>An ensemble stored as evaluated (inserted as such: no dispatcher may pick it up), with a folder whose
    /// manifest names two member folders (spec + weights file), and in-silico results written by the real writer.</summary>
    static async Task<(Ensemble Ensemble, Sensorium.Storage.Accounts.Team Team, Sensorium.Storage.Accounts.User Member)> EvaluatedEnsembleWithResultsAsync(WorkbenchApp app)
    {
        var (team, member) = await app.CreateTeamAsync("alpha");
        string dataset = Path.Combine(app.DataDirectory, "fake-dataset");
        string artifacts = app.Get<IOptions<WorkbenchOptions>>().Value.ArtifactsDirectory;
        long id;
        await using (var connection = app.Get<Sensorium.Storage.Database>().Open())
            id = await connection.QuerySingleAsync<long>("""
                INSERT INTO ensembles (team_id, created_by, name, dataset, mice, status, created_at, finished_at)
                VALUES (@team, @member, 'two seeds', @dataset, '26872-17-20', 'succeeded', @now, @now) RETURNING id
                """, new { team = team.Id, member = member.Id, dataset, now = DateTimeOffset.UtcNow });
        var members = new[] { "m1", "m2" }.Select(name =>
        {
            string dir = Path.Combine(artifacts, "members", name);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "spec.json"), new Sensorium.Training.RunSpec { Dataset = new DatasetSpec { Path = dataset } }.ToJson());
            File.WriteAllBytes(Path.Combine(dir, "model.pth"), [0]);
            return new Sensorium.Training.EnsembleMember(dir);
        }).ToList();
        string folder = EnsembleJobs.DirectoryOf(artifacts, id);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "ensemble.json"), System.Text.Json.JsonSerializer.Serialize(new Sensorium.Training.EnsembleManifest
        {
            Name = "two seeds", Dataset = dataset, Mice = ["26872-17-20"], Members = members, Created = DateTimeOffset.UtcNow,
        }, Sensorium.Training.RunSpec.Json));
        NeuronsPageTests.WriteResults(folder, dataset);
        return ((await app.Get<Sensorium.Storage.Ensembles.EnsembleStore>().GetAsync(id))!, team, member);
    }

    [Fact]
    public async Task Ensemble_neurons_page_and_scores_show_its_results_and_another_team_sees_nothing_and_cannot_queue()
    {
        using var app = new WorkbenchApp(); // no worker processes
        var (ensemble, team, member) = await EvaluatedEnsembleWithResultsAsync(app);
        await using (var context = NeuronsPageTests.Context(app, team, member))
        {
            context.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo($"/ensembles/{ensemble.Id}/neurons?neuron=4");
            var cut = context.Render<NeuronsPage>(p => p.Add(c => c.EnsembleId, ensemble.Id));
            cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll(".neuron-panel")));
            Assert.Contains("Neurons of ensemble", cut.Find("h4").TextContent);
            Assert.Equal($"/ensembles/{ensemble.Id}", cut.Find("h4 a").GetAttribute("href"));
            Assert.Equal("5", cut.Find("figure[data-chart='Neurons at their cortical positions'] g.scatter-points").GetAttribute("data-points"));
            Assert.Equal($"ensemble-{ensemble.Id}-neuron-scores.csv", cut.Find("a.insilico-csv").GetAttribute("download"));
            Assert.Contains("test correlation ≥ 0.2", cut.Find(".insilico-truth").TextContent);
            Assert.Equal(["gradient", "energy", "sta", "mei", "natural"], cut.FindAll(".neuron-panel figure.neuron-picture").Select(f => f.GetAttribute("data-kind")));
            Assert.Contains("Truth: RF (24.0, 10.0) px", cut.Find(".neuron-truth").TextContent); // the truth found through the ensemble's dataset
            Assert.NotNull(cut.Find("button.insilico-queue")); // evaluated: experiments can be (re)queued

            var scores = context.Render<RunNeuronScores>(p => p.Add(c => c.Ensemble, ensemble));
            scores.WaitForAssertion(() => Assert.Equal("true", scores.Find(".run-neuron-scores").GetAttribute("data-has-scores")));
            Assert.Contains("5 neurons of 26872-17-20 · median test single-trial correlation 0.250 · 2 of them ≥ 0.3", scores.Find(".run-neuron-summary").TextContent);
            Assert.Equal($"/ensembles/{ensemble.Id}/neurons", scores.Find("a.run-neurons-more").GetAttribute("href"));
            Assert.Equal($"ensemble-{ensemble.Id}-neuron-scores.csv", scores.Find("a.run-neuron-csv").GetAttribute("download"));
        }

        var (beta, betaMember) = await app.CreateTeamAsync("beta");
        await using (var context = NeuronsPageTests.Context(app, beta, betaMember))
        {
            var cut = context.Render<NeuronsPage>(p => p.Add(c => c.EnsembleId, ensemble.Id));
            cut.WaitForAssertion(() => Assert.Contains($"Ensemble {ensemble.Id} was not found", cut.Markup));
            Assert.Empty(cut.FindAll(".neuron-panel"));
            Assert.Empty(cut.FindAll("button.insilico-queue"));
        }
        var jobs = app.Get<InSilicoJobs>();
        Assert.Null(await jobs.SubjectAsync(beta.Id, InSilicoTarget.OfEnsemble(ensemble.Id)));
        // The owner's queue on this server says why it cannot run (no worker processes); nothing is stored.
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => jobs.EnqueueAsync(jobs.SubjectOf(ensemble), 4, member.Id));
        Assert.Contains("Worker:Enabled is false", e.Message);
        Assert.Null(await app.Get<InSilicoJobStore>().LatestForEnsembleAsync(ensemble.Id));
    }
}
