using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Runs.Slurm;

namespace Sensorium.Web.Tests.Slurm;

/// <summary>The Slurm client against a real one-node cluster (<see cref="SlurmCluster"/>): submit, follow, cancel, limits.</summary>
public sealed class SlurmClientTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("sensorium-slurm-job-").FullName;
    public void Dispose() => Directory.Delete(dir, recursive: true);

    static SlurmClient Client(Action<SlurmOptions>? configure = null)
    {
        var options = new SlurmOptions { PollSeconds = 0.2, Environment = { ["SLURM_CONF"] = SlurmCluster.SlurmConf } };
        configure?.Invoke(options);
        return new SlurmClient(Options.Create(options), NullLogger<SlurmClient>.Instance);
    }

    SlurmSubmission Job(string name, string bash, string device = "cpu") => new(
        $"sensorium-test-{name}", dir, Path.Combine(dir, "slurm-%j.out"), device, "/bin/bash", ["-c", bash],
        new Dictionary<string, string> { ["SENSORIUM_TEST"] = "it's quoted" });

    /// <summary>Asks Slurm until <paramref name="until"/> holds (Slurm's own answer; generous for a busy machine).</summary>
    static async Task<SlurmJob> WaitAsync(SlurmClient client, long id, Func<SlurmJob, bool> until, int seconds = 240)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        SlurmJob? job = null;
        while (DateTime.UtcNow < deadline)
        {
            job = await client.GetAsync(id);
            if (job is not null && until(job)) return job;
            await Task.Delay(200);
        }
        throw new TimeoutException($"Slurm job {id} is still {job?.State ?? "unknown"} after {seconds} s.");
    }

    [Fact]
    public async Task A_job_runs_its_worker_whose_appended_lines_are_read_once_each_and_its_exit_code_is_kept()
    {
        var client = Client();
        var events = Path.Combine(dir, "events.jsonl");
        var id = await client.SubmitAsync(Job("lines", """
            [ "$SENSORIUM_TEST" = "it's quoted" ] || exit 9
            for i in 1 2 3; do echo "{\"n\":$i}" >> events.jsonl; sleep 0.3; done
            printf '{"n":4' >> events.jsonl; sleep 1; echo '}' >> events.jsonl
            exit 4
            """));
        Assert.Contains(await client.ListAsync("sensorium-test-"), j => j.Id == id);

        var tailer = new EventFileTailer(events);
        var lines = new List<string>();
        var job = await WaitAsync(client, id, j =>
        {
            lines.AddRange(tailer.ReadNewLines());
            return j.IsFinished;
        });
        lines.AddRange(tailer.ReadNewLines());
        Assert.Equal(["{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}"], lines); // the split last line whole, once
        Assert.Equal("FAILED", job.State);
        Assert.Equal(4, job.ExitCode); // the worker's code decides: sensorium train's 4 = diverged
        Assert.Null(job.SlurmOutcome(cancelRequested: false));
    }

    [Fact]
    public async Task Our_cancel_reaches_the_worker_as_SIGTERM_and_a_cancel_from_outside_is_told_apart()
    {
        var client = Client();
        var ours = await client.SubmitAsync(Job("cancel", """
            trap 'echo stopped > stopped.txt; exit 130' TERM
            echo started > started.txt
            while true; do sleep 0.2; done
            """));
        await WaitAsync(client, ours, j => j.State == "RUNNING" && File.Exists(Path.Combine(dir, "started.txt")));
        await client.CancelAsync(ours, force: false);
        var job = await WaitAsync(client, ours, j => j.IsFinished);
        Assert.Equal("stopped", File.ReadAllText(Path.Combine(dir, "stopped.txt")).Trim()); // the worker's own handler ran
        Assert.Equal(("FAILED", 130), (job.State, job.ExitCode)); // the worker's exit 130: cancelled, checkpoint kept
        Assert.Null(job.SlurmOutcome(cancelRequested: true));

        var other = await client.SubmitAsync(Job("admin", "sleep 600"));
        await WaitAsync(client, other, j => j.State == "RUNNING");
        await client.CancelAsync(other, force: true); // what `scancel <id>` by an administrator does
        var cancelled = await WaitAsync(client, other, j => j.IsFinished);
        Assert.Equal("CANCELLED", cancelled.State);
        var (status, message) = cancelled.SlurmOutcome(cancelRequested: false)!.Value;
        Assert.Equal(RunStatus.Failed, status);
        Assert.Contains("cancelled in Slurm, not from the workbench", message);
    }

    [Fact]
    public async Task A_job_past_its_time_limit_ends_as_TIMEOUT_and_the_run_fails_saying_so()
    {
        var client = Client(o => o.DeviceClasses["cpu"].TimeLimit = "0:01"); // one minute: Slurm's smallest
        var id = await client.SubmitAsync(Job("limit", "sleep 600"));
        var job = await WaitAsync(client, id, j => j.IsFinished, seconds: 400);
        Assert.Equal("TIMEOUT", job.State);
        var (status, message) = job.SlurmOutcome(cancelRequested: false)!.Value;
        Assert.Equal(RunStatus.Failed, status);
        Assert.Contains("time limit", message);
    }

    [Fact]
    public async Task A_gpu_run_asks_for_a_gpu_and_a_cluster_without_one_refuses_it_with_Slurms_words()
    {
        var client = Client();
        var error = await Assert.ThrowsAsync<SlurmException>(() => client.SubmitAsync(Job("gpu", "true", device: "cuda")));
        Assert.Contains("sbatch", error.Message);
        Assert.Contains("--gres gpu:1", error.Message);
        Assert.Contains("gres", error.Message.Split("failed")[1], StringComparison.OrdinalIgnoreCase); // Slurm's own answer
    }

    [Fact]
    public async Task Slurm_commands_that_cannot_run_fail_with_a_message_naming_them()
    {
        var client = Client(o => o.CommandsDirectory = "/nonexistent/slurm/bin");
        var (ok, message) = await client.CheckAsync();
        Assert.False(ok);
        Assert.Contains("/nonexistent/slurm/bin/sinfo", message);
        Assert.True((await Client().CheckAsync()).Ok);
    }
}
