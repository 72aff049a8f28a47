namespace Sensorium.Web.Hosting;

/// <summary>
/// Deployment settings, section <c>Workbench</c> of appsettings.json (override the ASP.NET way, e.g. the
/// environment variable <c>Workbench__DataDirectory</c>). Run hyperparameters are not here: they are run data.
/// Relative paths resolve against the content root; after start-up every path here is absolute.
/// </summary>
public sealed class WorkbenchOptions
{
    public const string Section = "Workbench";

    /// <summary>Where all state lives: the SQLite file, artifacts (checkpoints, submissions, logs).</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// Devices runs are scheduled on, each with how many runs it takes at once. At least one. At start the GPUs the
    /// server finds (nvidia-smi) are added before these as <c>cuda:N</c> with <see cref="SlotsPerGpu"/> slots, unless
    /// <see cref="DiscoverGpus"/> is false or a <c>cuda:N</c> entry here configures that GPU itself.
    /// </summary>
    public List<DeviceOptions> Devices { get; set; } = [];

    /// <summary>Add the GPUs found at start to <see cref="Devices"/> (default true).</summary>
    public bool DiscoverGpus { get; set; } = true;

    /// <summary>The nvidia-smi that discovery asks (default: nvidia-smi on the PATH, or SENSORIUM_NVIDIA_SMI).</summary>
    public string? NvidiaSmi { get; set; }

    /// <summary>Runs one discovered GPU takes at once (memory permitting); measured by scripts/gpu-bench.sh (step C).</summary>
    public int SlotsPerGpu { get; set; } = 1;

    /// <summary>GPU memory (MiB) kept out of the scheduler's budget for a discovered GPU (besides what others use).</summary>
    public long GpuMemoryReserveMiB { get; set; } = 1024;

    /// <summary>Datasets may only be registered inside this folder. Default: <c>&lt;DataDirectory&gt;/datasets</c>.</summary>
    public string? DatasetRoot { get; set; }

    /// <summary>Largest accepted run spec JSON, in bytes.</summary>
    public int MaxSpecBytes { get; set; } = 64 * 1024;

    /// <summary>Memory one run may need (estimated before it is queued); 0 = the machine's memory divided by its slots.</summary>
    public long MaxRunMemoryBytes { get; set; }

    /// <summary>How many runs one team may have waiting at once.</summary>
    public int MaxQueuedRunsPerTeam { get; set; } = 20;

    /// <summary>
    /// Where the workbench's state lives (accounts, runs, metrics, submissions): <c>sqlite</c> (default: the file
    /// <see cref="DatabasePath"/>) or <c>postgres</c> (the database in <see cref="DatabaseConnectionString"/>, which
    /// must exist; the tables are created at start). Files (checkpoints, submissions) stay under DataDirectory.
    /// </summary>
    public string Database { get; set; } = "sqlite";

    /// <summary>For <c>postgres</c>: an Npgsql connection string, e.g. <c>Host=db;Database=workbench;Username=w;Password=…</c>.</summary>
    public string? DatabaseConnectionString { get; set; }

    public string DatabasePath => Path.Combine(DataDirectory, "workbench.db");

    /// <summary>The configured database (not yet opened or migrated).</summary>
    public Sensorium.Storage.Database OpenDatabase() => Database.Equals("postgres", StringComparison.OrdinalIgnoreCase)
        ? Sensorium.Storage.Database.Postgres(DatabaseConnectionString!)
        : new Sensorium.Storage.Database(DatabasePath);
    public string ArtifactsDirectory => Path.Combine(DataDirectory, "artifacts");
}

/// <summary>A device such as <c>cpu</c> or <c>cuda:0</c>, and how many runs it takes at once.</summary>
public sealed class DeviceOptions
{
    public string Name { get; set; } = "";
    public int Slots { get; set; } = 1;

    /// <summary>GPU memory (MiB) its runs may use together, by their estimates; null: not limited. A discovered GPU
    /// gets its free memory at start less <see cref="WorkbenchOptions.GpuMemoryReserveMiB"/>.</summary>
    public long? MemoryMiB { get; set; }

    /// <summary>What the GPU is ("NVIDIA H200, 143,771 MiB"), for discovered GPUs; null otherwise.</summary>
    public string? Description { get; set; }
}
