namespace Sensorium.Web.Features.Runs.Slurm;

/// <summary>
/// Section <c>Slurm</c> of appsettings.json: how runs are submitted to a Slurm cluster when
/// <c>Worker:Launcher</c> is <c>slurm</c>. The run directories (under <c>Workbench:DataDirectory</c>) must be on a
/// file system the compute nodes share: the job writes its checkpoints and its events there, and the server reads
/// the events back from there.
/// </summary>
public sealed class SlurmOptions
{
    public const string Section = "Slurm";

    /// <summary>Folder with sbatch, squeue, scontrol, scancel (and sacct); empty: found on PATH.</summary>
    public string? CommandsDirectory { get; set; }

    /// <summary>Extra environment for the Slurm commands, e.g. <c>SLURM_CONF</c> for a cluster that is not the default.</summary>
    public Dictionary<string, string> Environment { get; set; } = [];

    /// <summary>How often the server asks Slurm about its jobs and reads their event files.</summary>
    public double PollSeconds { get; set; } = 2;

    /// <summary>Settings per device class (<c>cpu</c>, <c>cuda</c>): the class of a run's device picks one.</summary>
    public Dictionary<string, SlurmDeviceClass> DeviceClasses { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["cpu"] = new(),
        ["cuda"] = new() { Gres = "gpu:1" },
    };

    /// <summary>The class of a run's device: <c>cuda</c> for <c>cuda</c>/<c>cuda:N</c>, else <c>cpu</c>.</summary>
    public static string ClassOf(string? device) =>
        device is not null && device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) ? "cuda" : "cpu";

    public SlurmDeviceClass For(string? device) =>
        DeviceClasses.TryGetValue(ClassOf(device), out var settings) ? settings : new SlurmDeviceClass();
}

/// <summary>The <c>sbatch</c> options of one device class; each empty one is left to the cluster's defaults.</summary>
public sealed class SlurmDeviceClass
{
    public string? Partition { get; set; }
    public string? Account { get; set; }
    /// <summary>Slurm's time format, e.g. <c>2:00:00</c> or <c>1-00:00:00</c>.</summary>
    public string? TimeLimit { get; set; }
    /// <summary>Generic resources, e.g. <c>gpu:1</c> (the cuda class asks for one GPU by default).</summary>
    public string? Gres { get; set; }
    public int? CpusPerTask { get; set; }
    /// <summary>Memory per node, Slurm's format, e.g. <c>16G</c>.</summary>
    public string? Memory { get; set; }
    /// <summary>Any other sbatch options, one per entry, e.g. <c>--qos=short</c>.</summary>
    public List<string> ExtraOptions { get; set; } = [];
}
