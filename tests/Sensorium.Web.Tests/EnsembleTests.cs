using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Sensorium.Data.Format;
using Sensorium.Data.Synthetic;
using Sensorium.Models;
using Sensorium.Storage.Datasets;
using Sensorium.Storage.Ensembles;
using Sensorium.Storage.Runs;
using Sensorium.Training;
using Sensorium.Web.Features.Ensembles;
using Sensorium.Web.Hosting;
using Ensemble = Sensorium.Storage.Ensembles.Ensemble;

namespace Sensorium.Web.Tests;

/// <summary>
/// Ensembles through the real app: POST /api/ensembles validates its runs (400s naming the run), and an ensemble of
/// two tiny runs trained here is evaluated by the real worker (`sensorium ensemble` + `evaluate`) in the dispatcher's
/// slot, its per-mouse scores stored; "train K seeds, then ensemble" waits for its runs (trained by real workers).
/// </summary>
public sealed class EnsembleTests
{
    internal static readonly Dictionary<string, string> WithWorker = new() { ["Worker:Enabled"] = "true", ["Worker:ThreadsPerSlot"] = "1" };

    internal static RunSpec TinySpec(string dataset, int seed, string track = "sensorium") => new()
    {
        Dataset = new DatasetSpec { Path = dataset, Track = track },
        Model = ModelSpec.Sota with { Core = new Sensorium.Models.Cores.Stacked2dCoreSpec { Layers = 2, HiddenChannels = 8 } },
        Trainer = new TrainerSpec { MaxEpochs = 1, BatchSize = 32, Device = "cpu", Threads = 1 },
        Seed = seed,
    };

    /// <summary>A run stored as finished, with its folder: trained here for one epoch, or (train: false) its spec only.</summary>
    internal static async Task<Run> FinishedRunAsync(WorkbenchApp app, long team, long member, RunSpec spec, bool train = true, RunStatus end = RunStatus.Succeeded)
    {
        var store = app.Get<RunStore>();
        var run = await store.CreateAsync(new NewRun(team, member, $"seed {spec.Seed}", spec.ToJson(), null));
        await store.TransitionAsync(run.Id, RunStatus.Running, "cpu"); // trained here, not by the dispatcher
        string dir = Path.Combine(app.Get<IOptions<WorkbenchOptions>>().Value.ArtifactsDirectory, run.Id.ToString());
        if (train) Trainer.Train(spec, DatasetLoader.Load(spec.Dataset).Select(DatasetLoader.ForTraining).ToList(), dir);
        else Checkpoint.WriteSpec(dir, spec);
        return await store.TransitionAsync(run.Id, end, error: end == RunStatus.Failed ? "diverged" : null);
    }

    internal static Task<Ensemble> EndOfAsync(WorkbenchApp app, long id)
    {
        var jobs = app.Get<EnsembleJobs>();
        var ended = new TaskCompletionSource<Ensemble>(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task Check()
        {
            if (await app.Get<EnsembleStore>().GetAsync(id) is { IsActive: false } e) ended.TrySetResult(e);
        }
        jobs.Changed += changed => { if (changed == id) _ = Check(); };
        _ = Check();
        return ended.Task.WaitAsync(TimeSpan.FromMinutes(10));
    }

    static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient http, string url, object body)
    {
        var response = await http.PostAsJsonAsync(url, body);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    static string Errors(JsonElement problem) => string.Join(" | ", problem.GetProperty("errors").EnumerateObject().SelectMany(p => p.Value.EnumerateArray().Select(v => $"{p.Name}: {v.GetString()}")));

    [Fact]
    public async Task Creating_an_ensemble_refuses_unfinished_foreign_mismatched_or_too_few_runs_with_a_message_naming_each()
    {
        using var app = new WorkbenchApp(settings: WithWorker);
        string dataset = Path.Combine(app.DataDirectory, "tiny");
        string other = Path.Combine(app.DataDirectory, "other");
        var (team, member) = await app.CreateTeamAsync("alpha");
        var (rival, rivalMember) = await app.CreateTeamAsync("beta");
        var a = await FinishedRunAsync(app, team.Id, member.Id, TinySpec(dataset, 1), train: false);
        var b = await FinishedRunAsync(app, team.Id, member.Id, TinySpec(dataset, 2), train: false);
        var failed = await FinishedRunAsync(app, team.Id, member.Id, TinySpec(dataset, 3), train: false, end: RunStatus.Failed);
        var plus = await FinishedRunAsync(app, team.Id, member.Id, TinySpec(dataset, 4, "sensorium+"), train: false);
        var elsewhere = await FinishedRunAsync(app, team.Id, member.Id, TinySpec(other, 5), train: false);
        var foreign = await FinishedRunAsync(app, rival.Id, rivalMember.Id, TinySpec(dataset, 6), train: false);
        var client = await app.SignInAsync(member.UserName);

        async Task<string> Refused(object body)
        {
            var (status, problem) = await PostAsync(client.Http, "/api/ensembles", body);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            return Errors(problem);
        }
        Assert.Contains("at least two runs (got 1)", await Refused(new { name = "one", runs = new[] { a.Id } }));
        Assert.Contains("at least two runs (got 0)", await Refused(new { name = "none" }));
        Assert.Contains($"Run {a.Id} is listed twice", await Refused(new { runs = new[] { a.Id, a.Id } }));
        Assert.Contains($"Run {foreign.Id} is not one of your team's runs", await Refused(new { runs = new[] { a.Id, foreign.Id } }));
        Assert.Contains($"Run {failed.Id} (seed 3) is failed: only finished (succeeded) runs", await Refused(new { runs = new[] { a.Id, failed.Id } }));
        var mice = await Refused(new { runs = new[] { a.Id, b.Id, plus.Id } });
        Assert.Contains($"Run {plus.Id} (seed 4) was trained on mice 27204-5-13, run {a.Id} on 26872-17-20: members need the same mice", mice);
        Assert.Contains($"Run {elsewhere.Id} (seed 5) was trained on dataset other, run {a.Id} on tiny", await Refused(new { runs = new[] { a.Id, elsewhere.Id } }));
        Assert.Contains("runs", await Refused(new { runs = "1,2" })); // the wrong type: a 400 naming the field
        Assert.Empty(await app.Get<EnsembleStore>().ListForTeamAsync(team.Id));

        // The rival team neither lists nor reads alpha's ensembles.
        var (created, body) = await PostAsync(client.Http, "/api/ensembles", new { name = "pair", runs = new[] { a.Id, b.Id } });
        Assert.Equal(HttpStatusCode.Created, created);
        long id = body.GetProperty("id").GetInt64();
        var rivalClient = await app.SignInAsync(rivalMember.UserName);
        Assert.Equal(HttpStatusCode.NotFound, (await rivalClient.Http.GetAsync($"/api/ensembles/{id}")).StatusCode);
        Assert.Equal("[]", await rivalClient.Http.GetStringAsync("/api/ensembles"));

        // Its members have no weights (spec only): the worker's `sensorium ensemble` says so and the ensemble fails with that.
        var end = await EndOfAsync(app, id);
        Assert.Equal(EnsembleStatus.Failed, end.Status);
        Assert.Contains("not finished training (no model.pth)", end.Message);
    }

    [Fact]
    public async Task An_ensemble_of_two_trained_runs_is_evaluated_by_the_worker_with_the_mean_of_their_predictions()
    {
        using var app = new WorkbenchApp(settings: WithWorker);
        string dataset = Path.Combine(app.DataDirectory, "tiny");
        SyntheticDataset.Generate(new SynthOptions { OutputDirectory = dataset, Preset = SynthPreset.Tiny, Seed = 5, Mice = ["26872-17-20"], WriteZips = false });
        var (team, member) = await app.CreateTeamAsync("alpha");
        var a = await FinishedRunAsync(app, team.Id, member.Id, TinySpec(dataset, 1));
        var b = await FinishedRunAsync(app, team.Id, member.Id, TinySpec(dataset, 2));
        var client = await app.SignInAsync(member.UserName);

        var (status, body) = await PostAsync(client.Http, "/api/ensembles", new { name = "two seeds", runs = new[] { b.Id, a.Id } });
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        long id = body.GetProperty("id").GetInt64();
        Assert.Equal("queued", body.GetProperty("status").GetString());
        Assert.Equal([b.Id, a.Id], body.GetProperty("runs").EnumerateArray().Select(r => r.GetInt64()));

        var end = await EndOfAsync(app, id);
        Assert.True(end.Status == EnsembleStatus.Succeeded, end.Message);
        Assert.Equal("cpu", end.Device); // the dispatcher gave it the slot

        var read = JsonDocument.Parse(await client.Http.GetStringAsync($"/api/ensembles/{id}")).RootElement;
        Assert.Equal("succeeded", read.GetProperty("status").GetString());
        var validation = read.GetProperty("scores").GetProperty("validation")[0];
        Assert.Equal("26872-17-20", validation.GetProperty("dataKey").GetString());
        var test = read.GetProperty("scores").GetProperty("test")[0]; // the synthetic dataset's host copy holds the truth
        Assert.InRange(test.GetProperty("singleTrialCorrelation").GetDouble(), -1, 1);

        // The stored scores are the ensemble folder's, as evaluated here: the mean of the members' predictions.
        string folder = app.Get<EnsembleJobs>().Directory(id);
        var here = RunEvaluation.Evaluate(folder, Tier.Validation, device: "cpu");
        Assert.Equal(here[0].SingleTrialCorrelation, validation.GetProperty("singleTrialCorrelation").GetDouble(), 9);
        var manifest = Sensorium.Training.Ensemble.Read(folder);
        Assert.Equal(2, manifest.Members.Count);
        var listed = JsonDocument.Parse(await client.Http.GetStringAsync("/api/ensembles")).RootElement;
        Assert.Equal([id], listed.EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));

        // Succeeded is final: evaluating again is refused.
        Assert.Equal(HttpStatusCode.Conflict, (await client.Http.PostAsync($"/api/ensembles/{id}/evaluate", null)).StatusCode);
    }

    [Fact]
    public async Task Training_K_seeds_then_ensembling_queues_the_runs_and_an_ensemble_that_waits_for_them()
    {
        using var app = new WorkbenchApp(settings: WithWorker);
        string dataset = Path.Combine(app.DataDirectory, "tiny");
        SyntheticDataset.Generate(new SynthOptions { OutputDirectory = dataset, Preset = SynthPreset.Tiny, Seed = 5, Mice = ["26872-17-20"], WriteZips = false });
        await app.Get<DatasetStore>().CreateAsync("tiny", dataset, registeredBy: null);
        var (team, member) = await app.CreateTeamAsync("alpha");
        var client = await app.SignInAsync(member.UserName);
        var spec = JsonDocument.Parse(TinySpec("tiny", 7).ToJson()).RootElement;

        var (bad, problem) = await PostAsync(client.Http, "/api/ensembles/seeds", new { name = "k", spec, seeds = 1 });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Contains("between 2 and 20 seeds", Errors(problem));

        var (status, body) = await PostAsync(client.Http, "/api/ensembles/seeds", new { name = "k", spec, seeds = 2 });
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        long id = body.GetProperty("id").GetInt64();
        Assert.Equal("waiting", body.GetProperty("status").GetString());
        var runIds = body.GetProperty("runs").EnumerateArray().Select(r => r.GetInt64()).ToList();
        var runs = await Task.WhenAll(runIds.Select(r => app.Get<RunStore>().GetAsync(r)));
        Assert.Equal(["k seed 7", "k seed 8"], runs.Select(r => r!.Name));
        Assert.Equal([7, 8], runs.Select(r => RunSpec.FromJson(r!.SpecJson).Seed));

        var end = await EndOfAsync(app, id);
        Assert.True(end.Status == EnsembleStatus.Succeeded, end.Message);
        foreach (long r in runIds) Assert.Equal(RunStatus.Succeeded, (await app.Get<RunStore>().GetAsync(r))!.Status);
        Assert.NotNull(EnsembleScores.Parse(end.Scores)!.Validation.Single());
    }
}
