using Microsoft.Extensions.Options;
using Sensorium.Data.Synthetic;
using Sensorium.Models;
using Sensorium.Storage.InSilico;
using Sensorium.Storage.Runs;
using Sensorium.Training;
using Sensorium.Training.InSilico;
using Sensorium.Web.Features.Neurons;
using Sensorium.Web.Hosting;

using InSilicoJob = Sensorium.Web.Features.Neurons.InSilicoJob;

namespace Sensorium.Web.Tests;

/// <summary>
/// The in-silico job queue with the real worker: a run trained for one epoch on the tiny synthetic dataset, its
/// experiments queued as a stored job, started by the run dispatcher in the device slot, run by `sensorium insilico
/// all` in a child process, progress and the end heard through the job's events and kept in the database.
/// </summary>
public sealed class InSilicoJobTests
{
    [Fact]
    public async Task A_queued_job_takes_the_slot_runs_the_insilico_worker_reports_progress_and_leaves_the_results_and_the_score()
    {
        using var app = new WorkbenchApp(settings: new Dictionary<string, string> { ["Worker:Enabled"] = "true", ["Worker:ThreadsPerSlot"] = "1" });
        string dataset = Path.Combine(app.DataDirectory, "tiny");
        SyntheticDataset.Generate(new SynthOptions { OutputDirectory = dataset, Preset = SynthPreset.Tiny, Seed = 5, Mice = ["26872-17-20"], WriteZips = false });

        var (team, member) = await app.CreateTeamAsync("alpha");
        var store = app.Get<RunStore>();
        var run = await store.CreateAsync(new NewRun(team.Id, member.Id, "tiny", "{}", null));
        await store.TransitionAsync(run.Id, RunStatus.Running, "cpu"); // trained here, not by the dispatcher: it holds the slot
        string runDir = Path.Combine(app.Get<IOptions<WorkbenchOptions>>().Value.ArtifactsDirectory, run.Id.ToString());
        var spec = new RunSpec
        {
            Dataset = new DatasetSpec { Path = dataset, Track = "sensorium" },
            Model = ModelSpec.Sota with { Core = new Sensorium.Models.Cores.Stacked2dCoreSpec { Layers = 2, HiddenChannels = 8 } },
            Trainer = new TrainerSpec { MaxEpochs = 1, BatchSize = 32, Device = "cpu", Threads = 1 },
            Seed = 3,
        };
        var mice = DatasetLoader.Load(spec.Dataset).Select(DatasetLoader.ForTraining).ToList();
        Trainer.Train(spec, mice, runDir);
        run = await store.TransitionAsync(run.Id, RunStatus.Succeeded);

        var jobs = app.Get<InSilicoJobs>();
        var states = new List<InSilicoJob>();
        var finished = new TaskCompletionSource<InSilicoJob>(TaskCreationOptions.RunContinuationsAsynchronously);
        jobs.Changed += id =>
        {
            if (id != InSilicoTarget.OfRun(run.Id) || jobs.Get(id) is not { } job) return;
            lock (states) states.Add(job);
            if (!job.IsActive) finished.TrySetResult(job);
        };
        Assert.True(await jobs.EnqueueAsync(run, meiNeurons: 1, member.Id));
        Assert.False(await jobs.EnqueueAsync(run, meiNeurons: 1, member.Id)); // one job per run at a time
        var end = await finished.Task.WaitAsync(TimeSpan.FromMinutes(10));
        Assert.True(end.State == InSilicoJobState.Done, end.Message);
        Assert.Equal("cpu", end.Device); // the dispatcher gave it the (only) slot
        var stored = await app.Get<InSilicoJobStore>().LatestForRunAsync(run.Id);
        Assert.Equal((InSilicoJobStatus.Done, 1.0, "cpu", (long?)member.Id), (stored!.Status, stored.Progress, stored.Device, stored.RequestedBy));
        Assert.NotNull(stored.StartedAt);

        lock (states)
        {
            Assert.Equal(InSilicoJobState.Queued, states[0].State);
            var running = states.Where(s => s.State == InSilicoJobState.Running).ToList();
            Assert.Contains(running, s => s.Stage.StartsWith("rf:", StringComparison.Ordinal));
            Assert.Contains(running, s => s.Stage.StartsWith("tuning:", StringComparison.Ordinal));
            Assert.True(running.Select(s => s.Progress).SequenceEqual(running.Select(s => s.Progress).Order()), "progress only grows");
        }
        var folder = new InSilicoFolder(jobs.ResultsDirectory(run)!);
        Assert.Equal(mice[0].NeuronCount, folder.ReadScores()!.Neurons.Count);
        Assert.Equal(mice[0].NeuronCount, folder.ReadRf()!.Neurons.Count);
        Assert.Single(folder.ReadMei()!.Neurons);
        Assert.Equal(mice[0].NeuronCount, folder.ReadTuning()!.Neurons.Count);
        Assert.Equal(mice[0].NeuronCount, folder.ReadScore()!.Groups[1].SimpleComplex.Neurons); // the dataset's ground truth was found
    }
}
