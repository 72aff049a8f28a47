using System.Diagnostics;
using System.Globalization;

namespace Sensorium.Training.Gpus;

/// <summary>One GPU as nvidia-smi reports it. Memory in MiB; utilisation in percent (null when not reported).</summary>
public sealed record GpuInfo(int Index, string Name, long TotalMiB, long FreeMiB, int? UtilizationPercent, string Uuid)
{
    public long UsedMiB => Math.Max(0, TotalMiB - FreeMiB);

    /// <summary>The scheduler's name for it: "cuda:0", "cuda:1", …</summary>
    public string DeviceName => $"cuda:{Index}";
}

/// <summary>What <see cref="GpuDiscovery.Discover"/> found: the GPUs, or none and why (no nvidia-smi, no GPU, an error).</summary>
public sealed record GpuDiscoveryResult(IReadOnlyList<GpuInfo> Gpus, string Source, string? Problem)
{
    public bool CpuOnly => Gpus.Count == 0;
}

/// <summary>
/// Finds the NVIDIA GPUs of this machine with one nvidia-smi query (index, name, total and free memory, utilisation,
/// uuid). No nvidia-smi, a failing one or no GPU: an empty list and the reason, so the server schedules on the CPU only.
/// It does not load libtorch (the web server never does); the worker a run is pinned to sees only its GPU
/// (CUDA_VISIBLE_DEVICES).
/// </summary>
public static class GpuDiscovery
{
    public const string QueryFields = "index,name,memory.total,memory.free,utilization.gpu,uuid";

    /// <summary>nvidia-smi, or the program named by SENSORIUM_NVIDIA_SMI (tests point it at a script; "none" disables).</summary>
    public static string Program => Environment.GetEnvironmentVariable("SENSORIUM_NVIDIA_SMI") is { Length: > 0 } p ? p : "nvidia-smi";

    /// <param name="program">nvidia-smi's path or name; null: <see cref="Program"/>.</param>
    public static GpuDiscoveryResult Discover(TimeSpan? timeout = null, int? onlyIndex = null, string? program = null)
    {
        program ??= Program;
        if (program == "none") return new([], program, "disabled by SENSORIUM_NVIDIA_SMI=none");
        var args = $"--query-gpu={QueryFields} --format=csv,noheader,nounits" + (onlyIndex is { } i ? $" --id={i}" : "");
        string stdout, stderr;
        try
        {
            using var process = System.Diagnostics.Process.Start(new ProcessStartInfo(program, args)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            }) ?? throw new InvalidOperationException("no process");
            var outTask = process.StandardOutput.ReadToEndAsync();
            var errTask = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(10)))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } // exited meanwhile; the timeout is reported below
                return new([], program, $"{program} did not answer within {(timeout ?? TimeSpan.FromSeconds(10)).TotalSeconds:0} s");
            }
            stdout = outTask.GetAwaiter().GetResult();
            stderr = errTask.GetAwaiter().GetResult();
            if (process.ExitCode != 0)
                return new([], program, $"{program} exited with {process.ExitCode}: {FirstLine(stderr.Length > 0 ? stderr : stdout)}");
        }
        catch (System.ComponentModel.Win32Exception e) // not installed
        {
            return new([], program, $"{program} not found: no NVIDIA GPU driver on this machine ({e.NativeErrorCode})");
        }
        try
        {
            var gpus = Parse(stdout);
            return new(gpus, program, gpus.Count == 0 ? $"{program} lists no GPU" : null);
        }
        catch (FormatException e)
        {
            return new([], program, e.Message);
        }
    }

    /// <summary>
    /// Parses nvidia-smi's CSV (no header, no units) of <see cref="QueryFields"/>. A line that does not parse is a
    /// <see cref="FormatException"/> naming the line; "[N/A]" or "[Not Supported]" utilisation is null.
    /// </summary>
    public static IReadOnlyList<GpuInfo> Parse(string csv)
    {
        var gpus = new List<GpuInfo>();
        int lineNumber = 0;
        foreach (string raw in csv.Split('\n'))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0) continue;
            var f = line.Split(',').Select(s => s.Trim()).ToArray();
            if (f.Length < 5
                || !int.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int index)
                || !long.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out long total)
                || !long.TryParse(f[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out long free))
                throw new FormatException($"nvidia-smi line {lineNumber}: expected '{QueryFields}' (got '{line}')");
            int? utilization = int.TryParse(f[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out int u) ? u : null;
            gpus.Add(new GpuInfo(index, f[1], total, free, utilization, f.Length > 5 ? f[5] : ""));
        }
        return gpus;
    }

    static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "";
}
