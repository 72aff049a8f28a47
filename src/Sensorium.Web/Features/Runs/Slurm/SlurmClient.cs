using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Options;

namespace Sensorium.Web.Features.Runs.Slurm;

/// <summary>What to submit: the worker's command line, where it runs and writes, on which device class.</summary>
public sealed record SlurmSubmission(
    string JobName, string WorkingDirectory, string OutputFile, string Device,
    string Command, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment);

/// <summary>A Slurm command failed or answered what we did not expect; the message says which and what it said.</summary>
public sealed class SlurmException(string message) : Exception(message);

/// <summary>
/// Talks to Slurm through its commands (<c>sbatch</c>, <c>scontrol</c>, <c>sacct</c>, <c>squeue</c>, <c>scancel</c>):
/// they are on every Slurm login node, need no extra daemon (slurmrestd is often not deployed) and authenticate as
/// the server's user through munge. Each call is a short process with a timeout; any failure is a
/// <see cref="SlurmException"/> that names the command and quotes Slurm's answer.
/// </summary>
public sealed class SlurmClient(IOptions<SlurmOptions> options, ILogger<SlurmClient> logger)
{
    static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    SlurmOptions Options => options.Value;

    /// <summary>
    /// Writes the job's batch script (<c>slurm-job.sh</c> in <see cref="SlurmSubmission.WorkingDirectory"/>: the
    /// environment, then <c>exec</c> of the worker, so Slurm's signals reach the worker itself) and submits it.
    /// Returns the job id.
    /// </summary>
    public async Task<long> SubmitAsync(SlurmSubmission job, CancellationToken cancellationToken = default)
    {
        var script = new StringBuilder("#!/bin/bash\n# Written by Sensorium Workbench: one training worker.\n");
        foreach (var (key, value) in job.Environment) script.Append($"export {key}={Quote(value)}\n");
        script.Append("exec ").Append(Quote(job.Command));
        foreach (var argument in job.Arguments) script.Append(' ').Append(Quote(argument));
        script.Append('\n');
        var scriptPath = Path.Combine(job.WorkingDirectory, "slurm-job.sh");
        await File.WriteAllTextAsync(scriptPath, script.ToString(), cancellationToken);
        File.SetUnixFileMode(scriptPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var settings = Options.For(job.Device);
        var arguments = new List<string>
        {
            "--parsable", "--job-name", job.JobName, "--chdir", job.WorkingDirectory, "--output", job.OutputFile,
            "--open-mode=append", "--ntasks=1",
        };
        if (!string.IsNullOrWhiteSpace(settings.Partition)) arguments.AddRange(["--partition", settings.Partition]);
        if (!string.IsNullOrWhiteSpace(settings.Account)) arguments.AddRange(["--account", settings.Account]);
        if (!string.IsNullOrWhiteSpace(settings.TimeLimit)) arguments.AddRange(["--time", settings.TimeLimit]);
        if (!string.IsNullOrWhiteSpace(settings.Gres) && SlurmOptions.ClassOf(job.Device) == "cuda") arguments.AddRange(["--gres", settings.Gres]);
        if (settings.CpusPerTask is > 0) arguments.AddRange(["--cpus-per-task", settings.CpusPerTask.Value.ToString()]);
        if (!string.IsNullOrWhiteSpace(settings.Memory)) arguments.AddRange(["--mem", settings.Memory]);
        arguments.AddRange(settings.ExtraOptions);
        arguments.Add(scriptPath);

        var output = await RunAsync("sbatch", arguments, cancellationToken);
        var first = output.Trim().Split('\n')[^1].Split(';')[0]; // "<id>" or "<id>;<cluster>"
        if (!long.TryParse(first, out var id))
            throw new SlurmException($"sbatch answered '{output.Trim()}' instead of a job id.");
        logger.LogInformation("Slurm job {JobId}: {Name} on {Device} ({Arguments})", id, job.JobName, job.Device, string.Join(' ', arguments));
        return id;
    }

    /// <summary>The job as Slurm knows it now; null when neither the controller nor accounting knows it any more.</summary>
    public async Task<SlurmJob?> GetAsync(long jobId, CancellationToken cancellationToken = default)
    {
        var (code, stdout, stderr) = await TryRunAsync("scontrol", ["show", "job", "-o", jobId.ToString()], cancellationToken);
        if (code == 0 && stdout.Split('\n').Select(SlurmJob.FromScontrol).FirstOrDefault(j => j?.Id == jobId) is { } job) return job;
        if (code != 0 && !stderr.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase))
            throw new SlurmException($"scontrol show job {jobId} failed (exit {code}): {stderr.Trim()}");
        // Purged from the controller (MinJobAge): ask accounting, where there is one.
        var (sacctCode, sacct, sacctError) = await TryRunAsync("sacct", ["-n", "-P", "-X", "-j", jobId.ToString(), "-o", "JobID,State,ExitCode,Reason,NodeList"], cancellationToken);
        if (sacctCode != 0)
        {
            logger.LogWarning("Slurm job {JobId}: unknown to the controller, and sacct failed: {Error}", jobId, sacctError.Trim());
            return null;
        }
        return sacct.Split('\n').Select(SlurmJob.FromSacct).FirstOrDefault(j => j?.Id == jobId);
    }

    /// <summary>Our jobs still queued or running (names starting with <paramref name="namePrefix"/>), for re-attaching after a restart.</summary>
    public async Task<IReadOnlyList<(long Id, string Name, string State)>> ListAsync(string namePrefix, CancellationToken cancellationToken = default)
    {
        var output = await RunAsync("squeue", ["-h", "-o", "%i|%j|%T"], cancellationToken);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('|'))
            .Where(p => p.Length == 3 && p[1].StartsWith(namePrefix, StringComparison.Ordinal) && long.TryParse(p[0], out _))
            .Select(p => (long.Parse(p[0]), p[1], p[2])).ToList();
    }

    /// <summary>
    /// Cancels a job: first SIGTERM to the worker only (<c>scancel --batch --signal=TERM</c>: it stops at the next
    /// batch and keeps its checkpoint), then, if <paramref name="force"/>, the whole job.
    /// </summary>
    public async Task CancelAsync(long jobId, bool force, CancellationToken cancellationToken = default)
    {
        var arguments = force ? new List<string> { jobId.ToString() } : ["--batch", "--signal=TERM", jobId.ToString()];
        var (code, _, stderr) = await TryRunAsync("scancel", arguments, cancellationToken);
        if (code != 0 && !stderr.Contains("already completing or completed", StringComparison.OrdinalIgnoreCase)
            && !stderr.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase))
            throw new SlurmException($"scancel {string.Join(' ', arguments)} failed (exit {code}): {stderr.Trim()}");
    }

    /// <summary>Whether the Slurm commands answer (<c>sinfo</c> reaches the controller); the message says why not.</summary>
    public async Task<(bool Ok, string Message)> CheckAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var (code, stdout, stderr) = await TryRunAsync("sinfo", ["-h", "-o", "%P %a %D %T"], cancellationToken);
            return code == 0 ? (true, stdout.Trim()) : (false, $"sinfo failed (exit {code}): {stderr.Trim()}");
        }
        catch (Exception e) when (e is SlurmException or System.ComponentModel.Win32Exception)
        {
            return (false, e.Message);
        }
    }

    async Task<string> RunAsync(string command, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var (code, stdout, stderr) = await TryRunAsync(command, arguments, cancellationToken);
        if (code != 0) throw new SlurmException($"{command} {string.Join(' ', arguments)} failed (exit {code}): {(stderr + stdout).Trim()}");
        return stdout;
    }

    async Task<(int Code, string Stdout, string Stderr)> TryRunAsync(string command, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var file = string.IsNullOrEmpty(Options.CommandsDirectory) ? command : Path.Combine(Options.CommandsDirectory, command);
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (key, value) in Options.Environment) start.Environment[key] = value;
        Process process;
        try { process = Process.Start(start) ?? throw new SlurmException($"{command} did not start."); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SlurmException($"{file} could not be started ({e.Message}): is Slurm installed here (Slurm:CommandsDirectory)?");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CommandTimeout);
            try { await process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw new SlurmException($"{command} {string.Join(' ', arguments)} did not answer within {CommandTimeout.TotalSeconds:F0} s (is slurmctld reachable?).");
            }
            return (process.ExitCode, await stdout, await stderr);
        }
    }

    /// <summary>Single-quotes a word for bash.</summary>
    static string Quote(string word) => "'" + word.Replace("'", "'\\''") + "'";
}
