namespace Sensorium.Web.Features.Runs.Worker;

/// <summary>
/// How training workers are launched, section <c>Worker</c> of appsettings.json. Each run is its own
/// <c>sensorium train</c> process, so a crashing or out-of-memory worker takes only its run down.
/// </summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>
    /// How workers are started: <c>process</c> (default: a child process of the server on this machine) or
    /// <c>slurm</c> (a batch job on a Slurm cluster, settings in section <c>Slurm</c>).
    /// </summary>
    public string Launcher { get; set; } = "process";

    /// <summary>False: no worker is launched and queued runs wait (tests of the queue alone).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The worker: a <c>sensorium.dll</c> (run with the current dotnet host) or an executable. Default: the
    /// <c>sensorium.dll</c> next to the web app's binaries (Sensorium.Web references Sensorium.Cli).
    /// </summary>
    public string? Command { get; set; }

    /// <summary>Intra-op CPU threads per run; 0 = the machine's cores divided by the CPU slots (at least 1).</summary>
    public int ThreadsPerSlot { get; set; }

    /// <summary>After SIGTERM, how long a cancelled worker may take to write its checkpoint before it is killed.</summary>
    public double StopGraceSeconds { get; set; } = 10;

    /// <summary>How many of the worker's last stderr lines a failed run shows.</summary>
    public int ErrorTailLines { get; set; } = 12;
}
