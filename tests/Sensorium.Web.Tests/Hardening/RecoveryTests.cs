using System.Net;
using System.Text.Json;
using Sensorium.Storage.Runs;
using Sensorium.Training;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Runs.Worker;

namespace Sensorium.Web.Tests.Hardening;

/// <summary>
/// Issue 15.5: what a worker wrote while the server was away is recorded at the next start, and a failed run that
/// left a checkpoint (killed, out of memory) can be resumed. The worker is a shell script speaking the real protocol.
/// </summary>
public sealed class RecoveryTests : IDisposable
{
    const string Mouse = "26872-17-20";
    readonly string scripts = Directory.CreateTempSubdirectory("sensorium-recovery-").FullName;
    readonly List<WorkbenchApp> apps = [];

    public void Dispose()
    {
        foreach (var app in Enumerable.Reverse(apps)) app.Dispose();
        try { Directory.Delete(scripts, recursive: true); } catch (IOException) { }
    }

    static readonly JsonSerializerOptions Compact = new(RunSpec.Json) { WriteIndented = false };
    static string Line(TrainingEvent e) => JsonSerializer.Serialize(e, Compact);
    static string Epoch(int epoch, double score) => Line(new EpochCompleted(epoch, 10 - epoch, new Dictionary<string, double> { [Mouse] = score },
        score, 0.009, 2.0, 100, true, score, epoch, 1, 20));

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

    WorkbenchApp App(string worker, string? dataDirectory = null)
    {
        var app = new WorkbenchApp(settings: new Dictionary<string, string>
        {
            ["Worker:Enabled"] = "true", ["Worker:Command"] = worker, ["Worker:ThreadsPerSlot"] = "1",
            ["Worker:StopGraceSeconds"] = "2",
        }, dataDirectory: dataDirectory);
        apps.Add(app);
        return app;
    }

    static async Task<Run> WaitForAsync(WorkbenchApp app, long runId, Func<Run, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var run = (await app.Get<RunStore>().GetAsync(runId))!;
            if (condition(run)) return run;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Run {runId} is {run.Status} ({run.Error}).");
            await Task.Delay(50);
        }
    }

    static void WriteCheckpoint(string runDir)
    {
        Directory.CreateDirectory(Path.Combine(runDir, "checkpoint"));
        File.WriteAllText(Path.Combine(runDir, "checkpoint", "state.json"), "{}");
    }

    [Fact]
    public async Task Epochs_the_orphaned_worker_finished_while_the_server_was_down_are_recorded_and_the_run_resumes_after_them()
    {
        var first = new WorkbenchApp();
        apps.Add(first);
        var (team, member) = await first.CreateTeamAsync("alpha");
        var store = first.Get<RunStore>();
        var run = await store.CreateAsync(new NewRun(team.Id, member.Id, "r", WorkbenchApp.SpecJson(), null));
        await store.TransitionAsync(run.Id, RunStatus.Running, "cpu");
        // The server heard epoch 1, then was killed; its worker went on with epoch 2 and its checkpoint.
        await first.Get<Sensorium.Web.Features.Runs.Scheduling.RunProgressRecorder>().EpochAsync(run.Id,
            new EpochCompleted(1, 9, new Dictionary<string, double> { [Mouse] = 0.1104 }, 0.1104, 0.009, 2, 0, false, 0, 0, 0, double.NaN), 0.01);
        var runDir = Path.Combine(first.DataDirectory, "artifacts", run.Id.ToString());
        Directory.CreateDirectory(runDir);
        File.WriteAllLines(Path.Combine(runDir, WorkerProtocol.EventsLogFile),
        [
            Line(new TrainingStarted("cpu", 1, 1000, 2, new Dictionary<string, double> { [Mouse] = 0.01 }, 0)),
            Line(new BatchProgress(1, 2, 2, Mouse, 9.5, 100, 0)),
            Epoch(1, 0.1104),
            Line(new CheckpointSaved(1, Path.Combine(runDir, "checkpoint"))),
            Line(new BatchProgress(2, 1, 2, Mouse, 8.5, 100, 1)),
            Line(new BatchProgress(2, 2, 2, Mouse, 8.4, 100, 0)),
            Epoch(2, 0.1834),
            Line(new CheckpointSaved(2, Path.Combine(runDir, "checkpoint"))),
            """{"type":"batch","epoch":3,"ba""", // torn by the kill
        ]);
        WriteCheckpoint(runDir);
        await first.Get<Microsoft.Extensions.Hosting.IHost>().StopAsync();

        var second = App(Worker("exit 0"), dataDirectory: first.DataDirectory);
        var done = await WaitForAsync(second, run.Id, r => RunStateMachine.IsFinal(r.Status));
        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Equal(0.1834, done.BestScore!.Value, 6);
        var epochs = await second.Get<RunMetricStore>().ListEpochsAsync(run.Id);
        Assert.Equal([1, 2], epochs.Select(e => e.Epoch));
        Assert.Equal(2, (await second.Get<RunMetricStore>().ListBatchesAsync(run.Id)).Count(b => b.Epoch == 2));
        Assert.StartsWith("train --resume --out", File.ReadAllText(Path.Combine(runDir, "args.txt")));
        Assert.Contains($"--events-log {Path.Combine(runDir, WorkerProtocol.EventsLogFile)}", File.ReadAllText(Path.Combine(runDir, "args.txt")));
    }

    [Fact]
    public async Task A_run_whose_worker_finished_while_the_server_was_down_succeeds_without_rerunning()
    {
        var first = new WorkbenchApp();
        apps.Add(first);
        var (team, member) = await first.CreateTeamAsync("alpha");
        var store = first.Get<RunStore>();
        var run = await store.CreateAsync(new NewRun(team.Id, member.Id, "r", WorkbenchApp.SpecJson(), null));
        await store.TransitionAsync(run.Id, RunStatus.Running, "cpu");
        var runDir = Path.Combine(first.DataDirectory, "artifacts", run.Id.ToString());
        Directory.CreateDirectory(runDir);
        File.WriteAllLines(Path.Combine(runDir, WorkerProtocol.EventsLogFile),
            [Epoch(1, 0.2), Line(new TrainingFinished(1, 0.2, 1, new Dictionary<string, double> { [Mouse] = 0.2 }, "max epochs", 3))]);
        File.WriteAllText(Path.Combine(runDir, Checkpoint.ModelFile), "weights");
        WriteCheckpoint(runDir);
        await first.Get<Microsoft.Extensions.Hosting.IHost>().StopAsync();

        var second = App(Worker("echo should-not-run >&2; exit 9"), dataDirectory: first.DataDirectory);
        var done = (await second.Get<RunStore>().GetAsync(run.Id))!;
        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Equal(0.2, done.BestScore!.Value, 6);
        Assert.False(File.Exists(Path.Combine(runDir, "args.txt")));
    }

    [Fact]
    public async Task A_failed_run_with_a_checkpoint_resumes_from_it_and_one_without_is_refused_with_the_reason()
    {
        // The first launch is killed (as by the OOM killer) after writing a checkpoint; the resumed one succeeds.
        var app = App(Worker("""
            if [[ " $* " == *" --resume "* ]]; then exit 0; fi
            mkdir -p "$OUT/checkpoint"; echo '{}' > "$OUT/checkpoint/state.json"
            echo "allocating in $OUT" >&2; kill -9 $$
            """));
        var (team, member) = await app.CreateTeamAsync("alpha");
        var client = (await app.SignInAsync(member.UserName)).Http;
        var queued = await app.Get<RunQueue>().SubmitAsync(team.Id, member.Id,
            new RunRequest("r", JsonDocument.Parse(WorkbenchApp.SpecJson()).RootElement, null));
        var failed = await WaitForAsync(app, queued.Run!.Id, r => RunStateMachine.IsFinal(r.Status));
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Contains("SIGKILL", failed.Error);
        Assert.DoesNotContain(app.DataDirectory, failed.Error); // server paths are not shown to the team
        Assert.Contains("allocating in <run>", failed.Error);

        var resume = await client.PostAsync($"/api/runs/{failed.Id}/resume", null);
        Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        var resumed = await WaitForAsync(app, failed.Id, r => r.Status == RunStatus.Succeeded);
        Assert.StartsWith("train --resume", File.ReadAllText(Path.Combine(app.Get<ProcessRunLauncher>().RunDirectory(resumed.Id), "args.txt")));

    }

    [Fact]
    public async Task Only_a_failed_run_that_left_a_checkpoint_can_be_resumed()
    {
        var app = new WorkbenchApp(); // no worker: runs stay where the test puts them
        apps.Add(app);
        var (team, member) = await app.CreateTeamAsync("alpha");
        var client = (await app.SignInAsync(member.UserName)).Http;
        var store = app.Get<RunStore>();
        var run = await store.CreateAsync(new NewRun(team.Id, member.Id, "r", WorkbenchApp.SpecJson(), null));
        await store.TransitionAsync(run.Id, RunStatus.Running, "cpu");
        await store.TransitionAsync(run.Id, RunStatus.Failed, error: "The worker was killed (SIGKILL).");

        var refused = await client.PostAsync($"/api/runs/{run.Id}/resume", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("no checkpoint", await refused.Content.ReadAsStringAsync());

        WriteCheckpoint(app.Get<ProcessRunLauncher>().RunDirectory(run.Id));
        var resumed = await client.PostAsync($"/api/runs/{run.Id}/resume", null);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal(RunStatus.Queued, (await store.GetAsync(run.Id))!.Status);
    }
}
