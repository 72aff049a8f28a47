using System.Diagnostics;
using System.Globalization;

namespace Sensorium.Web.Features.Queue;

/// <summary>One worker process: CPU in percent of one core (null on the first look), resident memory, GPU memory.</summary>
public sealed record ProcessUse(int Pid, double? CpuPercent, double MemoryMiB, double? GpuMemoryMiB);

/// <summary>One GPU as nvidia-smi reports it.</summary>
public sealed record GpuUse(int Index, string Name, double UtilisationPercent, double MemoryUsedMiB, double MemoryTotalMiB);

/// <summary>
/// The machine at one moment. <see cref="CpuPercent"/> is over all <see cref="Cores"/> (null on the first look);
/// <see cref="GpuNote"/> says why there are no GPU figures when <see cref="Gpus"/> is empty.
/// </summary>
public sealed record MachineUse(
    double? CpuPercent, int Cores, double MemoryUsedMiB, double MemoryTotalMiB, IReadOnlyList<GpuUse> Gpus, string? GpuNote,
    IReadOnlyDictionary<int, ProcessUse> Processes);

/// <summary>
/// Device use for the host's queue view, W&amp;B's "system metrics" in small: the machine's CPU and memory from
/// Linux's /proc, each worker's CPU and resident memory from /proc/&lt;pid&gt;, GPUs from <c>nvidia-smi</c> where it
/// exists. CPU figures are deltas between two looks, so the first look has none.
/// </summary>
public sealed class DeviceMonitor(ILogger<DeviceMonitor> logger)
{
    const double TicksPerSecond = 100; // USER_HZ: 100 on every Linux platform .NET runs on
    static readonly TimeSpan GpuCacheFor = TimeSpan.FromSeconds(2);

    readonly Lock gate = new();
    (long Busy, long Total)? lastMachine;
    readonly Dictionary<int, (long Ticks, long At)> lastProcess = [];
    (IReadOnlyList<GpuUse> Gpus, IReadOnlyDictionary<int, double> ByPid, string? Note, long At)? gpuCache;

    /// <summary>Where nvidia-smi is, or null; overridable for tests.</summary>
    public string? NvidiaSmi { get; init; } = FindOnPath("nvidia-smi");

    public MachineUse Sample(IEnumerable<int> pids)
    {
        var now = Stopwatch.GetTimestamp();
        var (gpus, gpuByPid, gpuNote) = Gpus(now);
        lock (gate)
        {
            double? cpu = null;
            if (ReadMachineTicks() is { } ticks)
            {
                if (lastMachine is { } before && ticks.Total > before.Total)
                    cpu = 100.0 * (ticks.Busy - before.Busy) / (ticks.Total - before.Total);
                lastMachine = ticks;
            }
            var (used, total) = ReadMemory();
            var processes = new Dictionary<int, ProcessUse>();
            foreach (var pid in pids.Distinct())
            {
                if (ReadProcess(pid) is not { } p) continue;
                double? processCpu = null;
                if (lastProcess.TryGetValue(pid, out var seen) && now > seen.At)
                {
                    var seconds = Stopwatch.GetElapsedTime(seen.At, now).TotalSeconds;
                    processCpu = 100.0 * (p.Ticks - seen.Ticks) / TicksPerSecond / seconds;
                }
                lastProcess[pid] = (p.Ticks, now);
                processes[pid] = new ProcessUse(pid, processCpu, p.RssKiB / 1024.0, gpuByPid.TryGetValue(pid, out var g) ? g : null);
            }
            foreach (var gone in lastProcess.Keys.Where(k => !processes.ContainsKey(k)).ToList()) lastProcess.Remove(gone);
            return new MachineUse(cpu, Environment.ProcessorCount, used, total, gpus, gpuNote, processes);
        }
    }

    /// <summary>busy and total jiffies over all cores, from the first line of /proc/stat.</summary>
    static (long Busy, long Total)? ReadMachineTicks()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First(); // cpu user nice system idle iowait irq softirq steal ...
            var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(long.Parse).ToArray();
            var total = values.Sum();
            return (total - values[3] - values[4], total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Used (total minus available) and total memory in MiB, from /proc/meminfo; zeros where it is missing.</summary>
    static (double Used, double Total) ReadMemory()
    {
        try
        {
            var kib = File.ReadLines("/proc/meminfo")
                .Select(l => l.Split(':', 2))
                .Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => long.Parse(p[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
            return ((kib["MemTotal"] - kib["MemAvailable"]) / 1024.0, kib["MemTotal"] / 1024.0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or KeyNotFoundException)
        {
            return (0, 0);
        }
    }

    /// <summary>utime + stime (jiffies) and VmRSS (KiB) of a process; null when it is gone.</summary>
    static (long Ticks, long RssKiB)? ReadProcess(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // pid (comm) state ppid ...: the name may hold spaces, so fields are counted after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            var rss = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            var rssKiB = rss is null ? 0 : long.Parse(rss[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            return (ticks, rssKiB);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    (IReadOnlyList<GpuUse>, IReadOnlyDictionary<int, double>, string?) Gpus(long now)
    {
        lock (gate)
        {
            if (gpuCache is { } c && Stopwatch.GetElapsedTime(c.At, now) < GpuCacheFor) return (c.Gpus, c.ByPid, c.Note);
        }
        IReadOnlyList<GpuUse> gpus = [];
        IReadOnlyDictionary<int, double> byPid = new Dictionary<int, double>();
        string? note;
        if (NvidiaSmi is null)
        {
            note = "none: nvidia-smi is not installed on this server";
        }
        else
        {
            try
            {
                gpus = ParseGpus(Run(NvidiaSmi, "--query-gpu=index,name,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits"));
                byPid = ParseProcesses(Run(NvidiaSmi, "--query-compute-apps=pid,used_memory --format=csv,noheader,nounits"));
                note = gpus.Count == 0 ? "none: nvidia-smi lists no GPU" : null;
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or FormatException)
            {
                logger.LogWarning(e, "nvidia-smi failed; the queue view shows no GPU figures.");
                note = $"none: nvidia-smi failed ({e.Message})";
            }
        }
        lock (gate) gpuCache = (gpus, byPid, note, now);
        return (gpus, byPid, note);
    }

    /// <summary>Lines of <c>index, name, utilization.gpu, memory.used, memory.total</c> (csv, noheader, nounits).</summary>
    public static IReadOnlyList<GpuUse> ParseGpus(string csv) =>
        Lines(csv).Select(f => new GpuUse(int.Parse(f[0], CultureInfo.InvariantCulture), f[1],
            Number(f[2]), Number(f[3]), Number(f[4]))).ToList();

    /// <summary>Lines of <c>pid, used_memory</c>: MiB per process (a process on two GPUs is summed).</summary>
    public static IReadOnlyDictionary<int, double> ParseProcesses(string csv) =>
        Lines(csv).GroupBy(f => int.Parse(f[0], CultureInfo.InvariantCulture)).ToDictionary(g => g.Key, g => g.Sum(f => Number(f[1])));

    static IEnumerable<string[]> Lines(string csv) =>
        csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(',', StringSplitOptions.TrimEntries));

    /// <summary>nvidia-smi writes "[N/A]" for what a GPU does not report: 0.</summary>
    static double Number(string text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;

    static string Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(5_000))
        {
            process.Kill();
            throw new InvalidOperationException($"{file} {arguments} took over 5 s.");
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} exited {process.ExitCode}: {error.Result.Trim()}");
        return output.Result;
    }

    static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
