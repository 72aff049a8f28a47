using System.Diagnostics;
using Microsoft.Extensions.Options;
using Sensorium.Storage.InSilico;
using Sensorium.Storage.Runs;
using Sensorium.Training.InSilico;
using Sensorium.Web.Features.Neurons;
using Sensorium.Web.Hosting;

using InSilicoJob = Sensorium.Web.Features.Neurons.InSilicoJob;

namespace Sensorium.Web.Tests;

/// <summary>
/// In-silico jobs live in the database: a job in flight when the server stops ends interrupted with a message saying
/// so (whether the server stopped cleanly or was killed), a queued job waits for the next server, and a job only
/// starts in a free device slot of the dispatcher. The worker here is a shell script speaking the progress protocol.
/// </summary>
public sealed class InSilicoJobRecoveryTests : IDisposable
{
    readonly string scripts = Directory.CreateTempSubdirectory("sensorium-insilico-").FullName;
    readonly List<WorkbenchApp> apps = [];

    public void Dispose()
    {
        foreach (var app in Enumerable.Reverse(apps)) app.Dispose();
        try { Directory.Delete(scripts, recursive: true); } catch (IOException) { }
    }

    WorkbenchApp App(string? worker = null, string? dataDirectory = null)
    {
        var settings = new Dictionary<string, string>();
        if (worker is not null)
        {
            settings["Worker:Enabled"] = "true";
            settings["Worker:Command"] = worker;
        }
        var app = new WorkbenchApp(settings: settings, dataDirectory: dataDirectory);
        apps.Add(app);
        _ = app.Server; // started: migrations, recovery
        return app;
    }

    /// <summary>A worker that reports one step of the RF experiment, then works until stopped.</summary>
    string SlowWorker()
    {
        var path = Path.Combine(scripts, "insilico.sh");
        File.WriteAllText(path, """
            #!/usr/bin/env bash
            echo '{"event":"progress","experiment":"rf","stage":"gradient","done":1,"total":4}'
            exec sleep 600
            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    static async Task<Run> FinishedRunAsync(WorkbenchApp app, string team)
    {
        var (t, member) = await app.CreateTeamAsync(team);
        var store = app.Get<RunStore>();
        var run = await store.CreateAsync(new NewRun(t.Id, member.Id, "cnn", "{}", null));
        await store.TransitionAsync(run.Id, RunStatus.Running, "cpu");
        run = await store.TransitionAsync(run.Id, RunStatus.Succeeded);
        string runDir = Path.Combine(app.Get<IOptions<WorkbenchOptions>>().Value.ArtifactsDirectory, run.Id.ToString());
        Directory.CreateDirectory(runDir);
        File.WriteAllText(Path.Combine(runDir, "spec.json"), new Sensorium.Training.RunSpec().ToJson());
        return run;
    }

    [Fact]
    public async Task A_job_running_when_the_server_is_killed_ends_interrupted_at_the_next_start_its_old_worker_stopped_and_a_queued_job_waits()
    {
        var first = App();
        var run = await FinishedRunAsync(first, "alpha");
        var other = await FinishedRunAsync(first, "beta");
        var jobs = first.Get<InSilicoJobStore>();
        var running = (await jobs.CreateAsync(new NewInSilicoJob(run.Id, run.TeamId, run.OwnerId, 8, null)))!;
        await jobs.StartAsync(running.Id, "cpu");
        await jobs.ReportAsync(running.Id, "mei: ascent 3/8", 0.55);
        // The killed server's worker still runs: a process whose command line is that job's.
        string outDir = Path.Combine(first.DataDirectory, "artifacts", run.Id.ToString(), InSilicoFolder.DefaultName);
        using var orphan = Process.Start(new ProcessStartInfo("bash")
            { ArgumentList = { "-c", "trap 'kill $!; exit 143' TERM; sleep 600 & wait", "sensorium", "insilico", "all", "--out", outDir } })!;
        await jobs.SetPidAsync(running.Id, orphan.Id);
        var queued = (await jobs.CreateAsync(new NewInSilicoJob(other.Id, other.TeamId, other.OwnerId, 8, null)))!;

        var second = App(dataDirectory: first.DataDirectory); // no workers: the queued job stays queued
        var interrupted = (await second.Get<InSilicoJobStore>().GetAsync(running.Id))!;
        Assert.Equal(InSilicoJobStatus.Interrupted, interrupted.Status);
        Assert.Equal(InSilicoJobs.InterruptedMessage, interrupted.Message);
        Assert.Equal("mei: ascent 3/8", interrupted.Stage); // where it was
        await orphan.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60)); // its old worker was stopped
        Assert.Equal(InSilicoJobStatus.Queued, (await second.Get<InSilicoJobStore>().GetAsync(queued.Id))!.Status);

        var seen = await second.Get<InSilicoJobs>().GetAsync(run.Id); // what the pages show
        Assert.Equal((InSilicoJobState.Interrupted, InSilicoJobs.InterruptedMessage), (seen!.State, seen.Message));
    }

    [Fact]
    public async Task A_job_waits_for_the_slot_a_run_holds_runs_when_it_frees_and_ends_interrupted_when_the_server_stops()
    {
        var first = App(SlowWorker());
        var run = await FinishedRunAsync(first, "alpha");
        var (team, member) = await first.CreateTeamAsync("beta");
        var store = first.Get<RunStore>();
        var busy = await store.CreateAsync(new NewRun(team.Id, member.Id, "busy", "{}", null));
        await store.TransitionAsync(busy.Id, RunStatus.Running, "cpu"); // holds the only slot (no worker: the test ends it)

        var jobs = first.Get<InSilicoJobs>();
        var running = new TaskCompletionSource<InSilicoJob>(TaskCreationOptions.RunContinuationsAsynchronously);
        jobs.Changed += id =>
        {
            if (id == InSilicoTarget.OfRun(run.Id) && jobs.Get(id) is { State: InSilicoJobState.Running, Stage: var stage } job && stage.StartsWith("rf:", StringComparison.Ordinal))
                running.TrySetResult(job);
        };
        Assert.True(await jobs.EnqueueAsync(run, 4, run.OwnerId));
        await first.Get<Sensorium.Web.Features.Runs.Scheduling.RunDispatcher>().DispatchAsync(CancellationToken.None);
        Assert.Equal(InSilicoJobStatus.Queued, (await first.Get<InSilicoJobStore>().LatestForRunAsync(run.Id))!.Status); // the slot is taken

        await store.TransitionAsync(busy.Id, RunStatus.Cancelled); // the slot frees
        await first.Get<Sensorium.Web.Features.Runs.Scheduling.RunDispatcher>().DispatchAsync(CancellationToken.None);
        var started = await running.Task.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(("cpu", 0.25), (started.Device, started.Progress)); // rf is the 2nd of 5 experiments, 1 of its 4 steps done: (1 + 1/4) / 5
        var stored = (await first.Get<InSilicoJobStore>().LatestForRunAsync(run.Id))!;
        Assert.Equal((InSilicoJobStatus.Running, "cpu"), (stored.Status, stored.Device));
        Assert.NotNull(stored.Pid);

        var jobStore = first.Get<InSilicoJobStore>(); // taken before the stop: a stopped host may dispose its services
        await first.Get<Microsoft.Extensions.Hosting.IHost>().StopAsync(); // a clean stop: the worker is stopped, the job ends interrupted
        Assert.False(ProcessProbe.Exists(stored.Pid!.Value));
        var after = (await jobStore.GetAsync(stored.Id))!;
        Assert.Equal((InSilicoJobStatus.Interrupted, InSilicoJobs.InterruptedMessage, (int?)null), (after.Status, after.Message, after.Pid));
        Assert.Equal(InSilicoJobState.Interrupted, jobs.Get(run.Id)!.State); // and the pages heard it
    }
}

static class ProcessProbe
{
    /// <summary>Whether a process with this id is alive (not a zombie).</summary>
    public static bool Exists(int pid)
    {
        try { return !File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2].Equals("Z", StringComparison.Ordinal); }
        catch (IOException) { return false; }
    }
}
