using Microsoft.Extensions.Options;
using System.Text.Json;
using Sensorium.Storage.Runs;
using Sensorium.Training;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Runs.Slurm;

namespace Sensorium.Web.Tests.Slurm;

/// <summary>
/// The workbench with <c>Worker:Launcher = slurm</c> against a real one-node Slurm cluster (<see cref="SlurmCluster"/>):
/// each run a batch job running a stand-in worker that writes real protocol lines to its events log, as
/// <c>sensorium train --events-log</c> does; the server follows the file and the job.
/// </summary>
public sealed class SlurmRunLauncherTests : IDisposable
{
    const string Mouse = "26872-17-20";
    readonly string scripts = Directory.CreateTempSubdirectory("sensorium-slurm-worker-").FullName;
    readonly List<WorkbenchApp> apps = [];

    public void Dispose()
    {
        foreach (var app in Enumerable.Reverse(apps)) app.Dispose();
        // A failed test may leave its job running (stopping the cluster would not stop it): cancel this class's jobs.
        var client = new SlurmClient(Options.Create(new SlurmOptions { Environment = { ["SLURM_CONF"] = SlurmCluster.SlurmConf } }),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<SlurmClient>.Instance);
        foreach (var (id, _, _) in client.ListAsync(SlurmRunLauncher.JobNamePrefix).GetAwaiter().GetResult())
            client.CancelAsync(id, force: true).GetAwaiter().GetResult();
        try { Directory.Delete(scripts, recursive: true); } catch (IOException) { }
    }

    static readonly JsonSerializerOptions Compact = new(RunSpec.Json) { WriteIndented = false };
    static string Line(TrainingEvent e) => JsonSerializer.Serialize(e, Compact);

    static string Epoch(int epoch, double score) =>
        Line(new EpochCompleted(epoch, 10.0 / epoch, new Dictionary<string, double> { [Mouse] = score }, score, 0.009, 1.5, 100, true, score, epoch, 0, 3));

    /// <summary>A worker script: <c>$OUT</c> is its run directory, <c>$LOG</c> the events log it must append to.</summary>
    string Worker(string body)
    {
        var path = Path.Combine(scripts, $"worker-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, $$"""
            #!/usr/bin/env bash
            OUT=""; LOG=""; prev=""
            for a in "$@"; do [ "$prev" = "--out" ] && OUT="$a"; [ "$prev" = "--events-log" ] && LOG="$a"; prev="$a"; done
            echo "$@" > "$OUT/args.txt"
            {{body}}
            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    WorkbenchApp App(string worker, string? dataDirectory = null) => Track(new WorkbenchApp(settings: new Dictionary<string, string>
    {
        ["Worker:Enabled"] = "true",
        ["Worker:Launcher"] = "slurm",
        ["Worker:Command"] = worker,
        ["Worker:StopGraceSeconds"] = "20",
        ["Slurm:PollSeconds"] = "0.2",
        ["Slurm:Environment:SLURM_CONF"] = SlurmCluster.SlurmConf,
        ["Workbench:Devices:0:Name"] = "cpu",
        ["Workbench:Devices:0:Slots"] = "2",
    }, dataDirectory: dataDirectory));

    WorkbenchApp Track(WorkbenchApp app)
    {
        apps.Add(app);
        return app;
    }

    static async Task<(Run Run, long TeamId)> SubmitAsync(WorkbenchApp app)
    {
        var (team, member) = await app.CreateTeamAsync($"t{Guid.NewGuid():N}"[..12]);
        var result = await app.Get<RunQueue>().SubmitAsync(team.Id, member.Id,
            new RunRequest("r", JsonDocument.Parse(WorkbenchApp.SpecJson()).RootElement, null));
        return (result.Run ?? throw new InvalidOperationException(string.Join("; ", result.Errors.SelectMany(e => e.Value))), team.Id);
    }

    /// <summary>Waits on the store (what the pages show); generous: Slurm schedules every few seconds on a busy machine.</summary>
    static async Task<Run> WaitForAsync(WorkbenchApp app, long runId, Func<Run, bool> condition, double seconds = 180)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var run = (await app.Get<RunStore>().GetAsync(runId))!;
            if (condition(run)) return run;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Run {runId} is {run.Status} ({run.Error}).");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_run_becomes_a_slurm_job_whose_events_log_brings_its_epochs_checkpoint_and_success()
    {
        var events = Path.Combine(scripts, "events.jsonl");
        File.WriteAllLines(events,
        [
            Line(new TrainingStarted("cpu", 3, 1000, 2, new Dictionary<string, double> { [Mouse] = 0.01 }, 0)),
            Line(new BatchProgress(1, 1, 2, Mouse, 12.5, 100, 1)),
            Epoch(1, 0.21),
            Line(new CheckpointSaved(1, "/runs/x/checkpoint")),
            Line(new TrainingFinished(1, 0.21, 1, new Dictionary<string, double> { [Mouse] = 0.21 }, "max epochs", 2)),
        ]);
        var app = App(Worker($"sleep 1; cat '{events}' >> \"$LOG\""));
        var (run, _) = await SubmitAsync(app);

        var jobId = (await WaitForAsync(app, run.Id, r => r.Pid is not null || RunStateMachine.IsFinal(r.Status))).Pid; // pid = the Slurm job id
        var done = await WaitForAsync(app, run.Id, r => RunStateMachine.IsFinal(r.Status));
        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Equal(0.21, done.BestScore!.Value, 6);
        Assert.Equal("/runs/x/checkpoint", done.CheckpointPath);
        Assert.Single(await app.Get<RunMetricStore>().ListEpochsAsync(run.Id));

        var runDir = app.Get<SlurmRunLauncher>().RunDirectory(run.Id);
        Assert.True(File.Exists(Path.Combine(runDir, $"slurm-{jobId}.out")), $"slurm-{jobId}.out"); // the job's own output
        Assert.Contains("exec ", File.ReadAllText(Path.Combine(runDir, "slurm-job.sh")));
        Assert.StartsWith($"train --spec {runDir}/spec.json --out {runDir} --events-log {runDir}/events.jsonl", File.ReadAllText(Path.Combine(runDir, "args.txt")));
        var spec = RunSpec.FromJson(File.ReadAllText(Path.Combine(runDir, "spec.json")));
        Assert.Equal(Path.Combine(app.DataDirectory, "datasets", WorkbenchApp.DatasetName), spec.Dataset.Path);
    }

    [Fact]
    public async Task A_worker_that_fails_in_its_job_fails_the_run_with_the_jobs_last_lines()
    {
        var app = App(Worker("echo 'loading the dataset failed: no such mouse' >&2; exit 3"));
        var (run, _) = await SubmitAsync(app);
        var done = await WaitForAsync(app, run.Id, r => RunStateMachine.IsFinal(r.Status));
        Assert.Equal(RunStatus.Failed, done.Status);
        Assert.Matches(@"^Slurm job \d+ ended FAILED\. ", done.Error);
        Assert.Contains("exited with code 3", done.Error);
        Assert.Contains("no such mouse", done.Error);
    }

    [Fact]
    public async Task Cancel_in_the_workbench_stops_the_job_through_the_worker_and_the_run_is_cancelled()
    {
        var app = App(Worker("""
            trap 'echo stopped > "$OUT/stopped.txt"; exit 130' TERM
            echo started > "$OUT/started.txt"
            while true; do sleep 0.2; done
            """));
        var (run, teamId) = await SubmitAsync(app);
        var runDir = app.Get<SlurmRunLauncher>().RunDirectory(run.Id);
        await WaitForAsync(app, run.Id, r => r.Status == RunStatus.Running && File.Exists(Path.Combine(runDir, "started.txt")));

        var result = await app.Get<RunQueue>().CancelAsync(teamId, run.Id, "a member");
        Assert.Equal(RunStatus.Cancelled, result.Run!.Status);
        Assert.Equal("stopped", File.ReadAllText(Path.Combine(runDir, "stopped.txt")).Trim()); // SIGTERM reached the worker: checkpoint kept
    }

    [Fact]
    public async Task A_restarted_server_reattaches_to_its_running_job_and_records_the_rest_once()
    {
        var go = Path.Combine(scripts, "go");
        var worker = Worker($"""
            echo '{Line(new TrainingStarted("cpu", 2, 1000, 2, new Dictionary<string, double> {[Mouse] = 0.01}, 0))}' >> "$LOG"
            echo '{Epoch(1, 0.2)}' >> "$LOG"
            for i in $(seq 900); do [ -f '{go}' ] && break; sleep 0.2; done
            echo '{Epoch(2, 0.3)}' >> "$LOG"
            echo '{Line(new TrainingFinished(2, 0.3, 2, new Dictionary<string, double> {[Mouse] = 0.3}, "max epochs", 3))}' >> "$LOG"
            """);
        var first = App(worker);
        var (run, _) = await SubmitAsync(first);
        await WaitForAsync(first, run.Id, r => r.Status == RunStatus.Running && r.BestScore is not null); // epoch 1 recorded
        var jobId = (await first.Get<RunStore>().GetAsync(run.Id))!.Pid;
        await first.Get<Microsoft.Extensions.Hosting.IHost>().StopAsync(); // the server stops; the job goes on

        var second = App(worker, first.DataDirectory);
        var again = (await second.Get<RunStore>().GetAsync(run.Id))!;
        Assert.Equal((RunStatus.Running, jobId), (again.Status, again.Pid)); // re-attached, not interrupted
        File.WriteAllText(go, "");
        var done = await WaitForAsync(second, run.Id, r => RunStateMachine.IsFinal(r.Status));
        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Equal([1, 2], (await second.Get<RunMetricStore>().ListEpochsAsync(run.Id)).Select(e => e.Epoch));
        Assert.Equal(0.3, done.BestScore!.Value, 6);
    }
}
