using System.Text.Json;
using Sensorium.Storage.Runs;
using Sensorium.Training;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Runs.Worker;

namespace Sensorium.Web.Tests;

/// <summary>
/// <see cref="ProcessRunLauncher"/> with a stand-in worker: a shell script that prints real protocol lines (the
/// Sensorium.Training event records, serialised as `sensorium train --events -` does), fails, crashes or waits to be
/// cancelled. The real `sensorium train` runs in the browser test.
/// </summary>
public sealed class WorkerTests : IDisposable
{
    const string Mouse = "26872-17-20";
    readonly string scripts = Directory.CreateTempSubdirectory("sensorium-fake-worker-").FullName;
    readonly List<WorkbenchApp> apps = [];

    public void Dispose()
    {
        foreach (var app in Enumerable.Reverse(apps)) app.Dispose();
        try { Directory.Delete(scripts, recursive: true); } catch (IOException) { }
    }

    static readonly JsonSerializerOptions Compact = new(RunSpec.Json) { WriteIndented = false };

    static string Line(TrainingEvent e) => JsonSerializer.Serialize(e, Compact);

    /// <summary>A worker script; <c>$OUT</c> is its run directory (the argument after --out).</summary>
    string Worker(string body)
    {
        var path = Path.Combine(scripts, $"worker-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, $$"""
            #!/usr/bin/env bash
            OUT=""; prev=""
            for a in "$@"; do [ "$prev" = "--out" ] && OUT="$a"; prev="$a"; done
            echo "$@" > "$OUT/args.txt"
            {{body}}
            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    WorkbenchApp App(string worker, string? dataDirectory = null, double grace = 10)
    {
        var app = new WorkbenchApp(settings: new Dictionary<string, string>
        {
            ["Worker:Enabled"] = "true",
            ["Worker:Command"] = worker,
            ["Worker:ThreadsPerSlot"] = "3",
            ["Worker:StopGraceSeconds"] = grace.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Workbench:Devices:0:Name"] = "cpu",
            ["Workbench:Devices:0:Slots"] = "2",
        }, dataDirectory: dataDirectory);
        apps.Add(app);
        return app;
    }

    static async Task<Run> SubmitAsync(WorkbenchApp app, string specJson)
    {
        var (team, member) = await app.CreateTeamAsync($"t{Guid.NewGuid():N}"[..12]);
        var result = await app.Get<RunQueue>().SubmitAsync(team.Id, member.Id,
            new RunRequest("r", JsonDocument.Parse(specJson).RootElement, null));
        return result.Run ?? throw new InvalidOperationException(string.Join("; ", result.Errors.SelectMany(e => e.Value)));
    }

    static async Task<Run> WaitForAsync(WorkbenchApp app, long runId, Func<Run, bool> condition, double seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var run = (await app.Get<RunStore>().GetAsync(runId))!;
            if (condition(run)) return run;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Run {runId} is {run.Status} ({run.Error}).");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task The_workers_events_become_epochs_progress_a_checkpoint_and_success()
    {
        var events = Path.Combine(scripts, "events.jsonl");
        File.WriteAllLines(events,
        [
            Line(new TrainingStarted("cpu", 3, 1000, 2, new Dictionary<string, double> { [Mouse] = 0.01 }, 0)),
            Line(new BatchProgress(1, 1, 2, Mouse, 12.5, 100, 1)),
            Line(new BatchProgress(1, 2, 2, Mouse, 11.5, 100, 0)),
            Line(new EpochCompleted(1, 11.9, new Dictionary<string, double> { [Mouse] = 0.21 }, 0.21, 0.009, 1.5, 100, true, 0.21, 1, 1, 3)),
            Line(new CheckpointSaved(1, "/runs/x/checkpoint")),
            Line(new TrainingFinished(1, 0.21, 1, new Dictionary<string, double> { [Mouse] = 0.21 }, "max epochs", 2)),
            """{"type":"summary","run":"x"}""",
        ]);
        var app = App(Worker($"cat '{events}'"));
        var run = await SubmitAsync(app, WorkbenchApp.SpecJson());

        var done = await WaitForAsync(app, run.Id, r => RunStateMachine.IsFinal(r.Status));
        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Equal(0.21, done.BestScore!.Value, 6);
        Assert.Equal("/runs/x/checkpoint", done.CheckpointPath);
        var epoch = Assert.Single(await app.Get<RunMetricStore>().ListEpochsAsync(run.Id));
        Assert.Equal(1.5, epoch.EpochSeconds);
        Assert.Contains(Mouse, epoch.PerMouseCorrelationJson);

        // The worker got the registered dataset's folder, its device and the configured threads.
        var runDir = app.Get<ProcessRunLauncher>().RunDirectory(run.Id);
        var spec = RunSpec.FromJson(File.ReadAllText(Path.Combine(runDir, "spec.json")));
        Assert.Equal(Path.Combine(app.DataDirectory, "datasets", WorkbenchApp.DatasetName), spec.Dataset.Path);
        Assert.Equal(WorkbenchApp.DatasetName, spec.Dataset.Name); // the stored spec's name (in its old place, path) kept beside the folder
        Assert.Equal(("cpu", 3), (spec.Trainer.Device, spec.Trainer.Threads));
        Assert.StartsWith($"train --spec {runDir}/spec.json --out {runDir} --events -", File.ReadAllText(Path.Combine(runDir, "args.txt")));
    }

    [Fact]
    public async Task A_diverging_worker_ends_its_run_failed_as_diverged_and_every_event_it_sent_is_stored()
    {
        var events = Path.Combine(scripts, "diverging.jsonl");
        var validation = new Dictionary<string, double> { [Mouse] = 0.18 };
        File.WriteAllLines(events,
        [
            Line(new TrainingStarted("cpu", 2, 1000, 12, new Dictionary<string, double> { [Mouse] = 0.001 }, 0)),
            Line(new BatchProgress(1, 12, 12, Mouse, 350000.5, 60, 0)),
            Line(new EpochCompleted(1, 351000, validation, 0.18, 0.009, 20, 60, true, 0.18, 1, 0, 100)),
            // What a worker without the guard sent and the server once dropped: non-finite numbers.
            Line(new BatchProgress(2, 3, 12, Mouse, double.NaN, 60, 10)),
            Line(new EpochCompleted(2, double.PositiveInfinity, new Dictionary<string, double> { [Mouse] = double.NaN }, double.NaN, 0.009, 20, 60, false, 0.18, 1, 0, 100)),
            Line(new Diverged(3, 4, "loss NaN", true, 0.0027, 1, 0.18, 1)),
            Line(new Diverged(3, 7, "gradient of readout.26872-17-20.sigma: 2 of 1,554 values non-finite (NaN 2, ±inf 0)", false, 0.0027, 1, 0.18, 1)),
            Line(new TrainingFinished(3, 0.18, 1, validation, "diverged at epoch 3, batch 7 (gradient of readout.26872-17-20.sigma: 2 of 1,554 values non-finite (NaN 2, ±inf 0))", 60, true, 1)),
            """{"type":"summary","run":"x","diverged":true}""",
        ]);
        var app = App(Worker($"cat '{events}'; exit {WorkerProtocol.DivergedExitCode}"));
        var run = await SubmitAsync(app, WorkbenchApp.SpecJson());

        var done = await WaitForAsync(app, run.Id, r => RunStateMachine.IsFinal(r.Status));
        Assert.Equal(RunStatus.Failed, done.Status);
        Assert.Equal("Training diverged at epoch 3, batch 7 (gradient of readout.26872-17-20.sigma: 2 of 1,554 values non-finite (NaN 2, ±inf 0)). " +
                     "The model kept is the best before it: epoch 1, validation 0.1800.", done.Error);
        Assert.True(ProcessRunLauncher.IsDivergedMessage(done.Error));
        Assert.Equal(0.18, done.BestScore!.Value, 6); // a NaN validation never becomes the best (nor 0)

        var metrics = app.Get<RunMetricStore>();
        var epochs = await metrics.ListEpochsAsync(run.Id);
        Assert.Equal([1, 2], epochs.Select(e => e.Epoch));
        Assert.True(double.IsNaN(epochs[1].TrainLoss)); // +inf stored as NULL: "not available"
        Assert.Null(epochs[1].ValidationCorrelation);
        Assert.Contains("NaN", epochs[1].PerMouseCorrelationJson);
        var batches = await metrics.ListBatchesAsync(run.Id);
        Assert.Contains(batches, b => b.Epoch == 2 && b.Batch == 2 && double.IsNaN(b.Loss));
        var incidents = await metrics.ListIncidentsAsync(run.Id);
        Assert.Equal([(3, (int?)4, true), (3, 7, false)], incidents.Select(i => (i.Epoch, i.Batch, i.Recovered)));
        Assert.Equal("loss NaN", incidents[0].What);
        Assert.Equal(0.0027, incidents[0].LearningRate!.Value, 9);
    }

    [Theory]
    [InlineData("echo 'loading mouse 26872-17-20' >&2; echo 'CUDA out of memory' >&2; exit 3", "exited with code 3", "CUDA out of memory")]
    [InlineData("echo 'about to crash' >&2; kill -9 $$", "SIGKILL", "about to crash")]
    [InlineData("echo 'Unhandled exception. System.AccessViolationException' >&2; kill -SEGV $$", "SIGSEGV", "AccessViolation")]
    public async Task A_failing_or_crashing_worker_fails_its_run_with_the_reason(string body, string why, string tail)
    {
        var app = App(Worker(body));
        var run = await SubmitAsync(app, WorkbenchApp.SpecJson());
        var done = await WaitForAsync(app, run.Id, r => RunStateMachine.IsFinal(r.Status));
        Assert.Equal(RunStatus.Failed, done.Status);
        Assert.Contains(why, done.Error);
        Assert.Contains(tail, done.Error);

        // The server is unharmed: the next run starts.
        var next = await SubmitAsync(app, WorkbenchApp.SpecJson(2));
        await WaitForAsync(app, next.Id, r => RunStateMachine.IsFinal(r.Status));
    }

    [Theory]
    [InlineData(false)] // the worker stops on SIGTERM (exit 130, as sensorium train does)
    [InlineData(true)] // the worker ignores SIGTERM: it is killed after the grace period
    public async Task Cancelling_a_running_run_stops_its_worker_within_seconds(bool ignoresSigterm)
    {
        var trap = ignoresSigterm ? "trap '' TERM" : "trap 'echo stopping >&2; exit 130' TERM";
        var app = App(Worker($"{trap}\necho ready >&2\nwhile true; do sleep 0.05; done"), grace: 1);
        var run = await SubmitAsync(app, WorkbenchApp.SpecJson());
        var running = await WaitForAsync(app, run.Id, r => r.Status == RunStatus.Running && r.Pid is not null
            && File.Exists(Path.Combine(app.Get<ProcessRunLauncher>().RunDirectory(run.Id), "args.txt")));
        await Task.Delay(300); // let bash install its trap

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await app.Get<RunQueue>().CancelAsync(running.TeamId, run.Id, "tester");
        Assert.True(result.Outcome == RunChangeOutcome.Done, $"{result.Outcome}: {result.Run?.Status} {result.Run?.Error}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"cancel took {clock.Elapsed}");
        Assert.Equal(RunStatus.Cancelled, (await app.Get<RunStore>().GetAsync(run.Id))!.Status);
        Assert.False(File.Exists($"/proc/{running.Pid}/cmdline") && File.ReadAllText($"/proc/{running.Pid}/cmdline").Contains("worker-"));
    }

    [Fact]
    public async Task Stop_and_keep_best_reaches_a_process_worker_which_ends_succeeded_with_its_reason_stored()
    {
        // A stand-in that "trains" until the run directory's stop request appears, then ends as the trainer does.
        var started = Line(new TrainingStarted("cpu", 3, 1000, 2, new Dictionary<string, double> { [Mouse] = 0.01 }, 0));
        var epoch = Line(new EpochCompleted(1, 11.9, new Dictionary<string, double> { [Mouse] = 0.21 }, 0.21, 0.009, 1.5, 100, true, 0.21, 1, 1, 3));
        var finished = Line(new TrainingFinished(1, 0.21, 1, new Dictionary<string, double> { [Mouse] = 0.21 }, "stopped by BYNAME after epoch 1; best epoch 1", 2));
        var app = App(Worker($$"""
            echo '{{started}}'
            echo '{{epoch}}'
            while [ ! -f "$OUT/stop-request.json" ]; do sleep 0.05; done
            BY=$(sed -n 's/.*"by": *"\([^"]*\)".*/\1/p' "$OUT/stop-request.json" | head -1)
            echo '{{finished}}' | sed "s/BYNAME/$BY/"
            exit 0
            """));
        var run = await SubmitAsync(app, WorkbenchApp.SpecJson());
        var running = await WaitForAsync(app, run.Id, r => r.Status == RunStatus.Running && r.BestScore is not null);

        var result = await app.Get<RunQueue>().StopAsync(running.TeamId, run.Id, "tester");
        Assert.True(result.Outcome == RunChangeOutcome.Done, result.Message);
        var done = await WaitForAsync(app, run.Id, r => RunStateMachine.IsFinal(r.Status));
        Assert.Equal(RunStatus.Succeeded, done.Status);
        var dir = app.Get<ProcessRunLauncher>().RunDirectory(run.Id);
        Assert.True("stopped by tester after epoch 1; best epoch 1" == done.StopReason,
            $"{done.StopReason}\n{string.Join("\n", Directory.GetFiles(dir).Select(f => f + ": " + File.ReadAllText(f)))}");
        Assert.Null(done.Error);
    }

    [Fact]
    public async Task After_a_restart_runs_with_a_checkpoint_resume_and_the_others_wait_interrupted()
    {
        var first = new WorkbenchApp();
        apps.Add(first);
        var (team, member) = await first.CreateTeamAsync("alpha");
        var store = first.Get<RunStore>();
        var withCheckpoint = await store.CreateAsync(new NewRun(team.Id, member.Id, "ckpt", WorkbenchApp.SpecJson(), null));
        var without = await store.CreateAsync(new NewRun(team.Id, member.Id, "fresh", WorkbenchApp.SpecJson(), null));
        foreach (var run in new[] { withCheckpoint, without }) await store.TransitionAsync(run.Id, RunStatus.Running, "cpu");
        var checkpoint = Path.Combine(first.DataDirectory, "artifacts", withCheckpoint.Id.ToString(), "checkpoint");
        Directory.CreateDirectory(checkpoint);
        File.WriteAllText(Path.Combine(checkpoint, "state.json"), "{}");
        await first.Get<Microsoft.Extensions.Hosting.IHost>().StopAsync();

        var second = App(Worker("exit 0"), dataDirectory: first.DataDirectory);
        var resumed = await WaitForAsync(second, withCheckpoint.Id, r => RunStateMachine.IsFinal(r.Status));
        Assert.True(resumed.Status == RunStatus.Succeeded, $"{resumed.Status}: {resumed.Error}");
        var args = File.ReadAllText(Path.Combine(second.DataDirectory, "artifacts", withCheckpoint.Id.ToString(), "args.txt"));
        Assert.StartsWith("train --resume --out", args);
        var waiting = (await second.Get<RunStore>().GetAsync(without.Id))!;
        Assert.Equal(RunStatus.Interrupted, waiting.Status);
        Assert.True(RunStateMachine.CanResume(waiting.Status));
    }
}
