using Sensorium.Storage.Runs;

namespace Sensorium.Web.Features.Runs.Slurm;

/// <summary>
/// What Slurm says about one job (<c>scontrol show job -o</c>, or <c>sacct</c> once the controller has forgotten it):
/// its state, the reason Slurm gives, and the exit code and signal of its batch script (our worker).
/// </summary>
public sealed record SlurmJob(long Id, string State, string? Reason, int ExitCode, int Signal, string? NodeList)
{
    /// <summary>States in which the job will not run again (https://slurm.schedmd.com/squeue.html#SECTION_JOB-STATE-CODES).</summary>
    public bool IsFinished => State is "COMPLETED" or "FAILED" or "CANCELLED" or "TIMEOUT" or "OUT_OF_MEMORY" or "NODE_FAIL"
        or "PREEMPTED" or "BOOT_FAIL" or "DEADLINE" or "SPECIAL_EXIT" or "REVOKED";

    public bool IsPending => State is "PENDING" or "REQUEUED" or "REQUEUE_HOLD" or "REQUEUE_FED" or "RESV_DEL_HOLD" or "CONFIGURING";

    /// <summary>
    /// How a finished job ends its run when Slurm, not the worker, decided it: time limit, memory, node failure,
    /// preemption, an administrator's cancel. Null when the worker's own exit code decides (it finished, failed or
    /// stopped on its own: <see cref="State"/> COMPLETED or FAILED, or CANCELLED because we asked).
    /// </summary>
    public (RunStatus Status, string Message)? SlurmOutcome(bool cancelRequested) => State switch
    {
        "TIMEOUT" => (RunStatus.Failed, $"Slurm stopped job {Id} at its time limit (state TIMEOUT). Its last checkpoint is kept: resume it with a longer limit."),
        "OUT_OF_MEMORY" => (RunStatus.Failed, $"Slurm stopped job {Id}: it ran out of memory (state OUT_OF_MEMORY). Ask for more memory (Slurm:DeviceClasses:…:Memory) or a smaller batch."),
        "NODE_FAIL" => (RunStatus.Interrupted, $"Slurm job {Id} was lost with its node {NodeList} (state NODE_FAIL); it can be resumed from its last checkpoint."),
        "PREEMPTED" => (RunStatus.Interrupted, $"Slurm preempted job {Id} (state PREEMPTED); it can be resumed from its last checkpoint."),
        "BOOT_FAIL" => (RunStatus.Failed, $"Slurm could not boot a node for job {Id} (state BOOT_FAIL)."),
        "DEADLINE" => (RunStatus.Failed, $"Slurm cancelled job {Id} at its deadline (state DEADLINE)."),
        "REVOKED" => (RunStatus.Failed, $"Slurm revoked job {Id} (state REVOKED)."),
        "CANCELLED" when !cancelRequested => (RunStatus.Failed, $"Job {Id} was cancelled in Slurm, not from the workbench (state CANCELLED{(string.IsNullOrEmpty(Reason) || Reason == "None" ? "" : ", reason " + Reason)})."),
        _ => null,
    };

    /// <summary>
    /// Parses one line of <c>scontrol show job -o</c>: space-separated <c>Key=Value</c> pairs (values such as
    /// <c>Command=</c> may hold spaces; only the keys read here matter). Null when the line is not a job.
    /// </summary>
    public static SlurmJob? FromScontrol(string line)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = token.IndexOf('=');
            if (eq > 0) fields.TryAdd(token[..eq], token[(eq + 1)..]);
        }
        if (!fields.TryGetValue("JobId", out var id) || !long.TryParse(id, out var jobId) || !fields.TryGetValue("JobState", out var state))
            return null;
        var (exit, signal) = ParseExitCode(fields.GetValueOrDefault("ExitCode"));
        return new SlurmJob(jobId, state, fields.GetValueOrDefault("Reason"), exit, signal, fields.GetValueOrDefault("NodeList"));
    }

    /// <summary>Parses one line of <c>sacct -n -P -X -o JobID,State,ExitCode,Reason,NodeList</c>.</summary>
    public static SlurmJob? FromSacct(string line)
    {
        var parts = line.Split('|');
        if (parts.Length < 3 || !long.TryParse(parts[0], out var jobId)) return null;
        var state = parts[1].Split(' ')[0]; // "CANCELLED by 0"
        var (exit, signal) = ParseExitCode(parts[2]);
        return new SlurmJob(jobId, state, parts.ElementAtOrDefault(3), exit, signal, parts.ElementAtOrDefault(4));
    }

    /// <summary>Slurm's <c>ExitCode=2:0</c>: the script's exit code, then the signal that ended it (0: none).</summary>
    static (int Exit, int Signal) ParseExitCode(string? text)
    {
        if (string.IsNullOrEmpty(text)) return (0, 0);
        var parts = text.Split(':');
        return (int.TryParse(parts[0], out var exit) ? exit : 0, parts.Length > 1 && int.TryParse(parts[1], out var signal) ? signal : 0);
    }
}
