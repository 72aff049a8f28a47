using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Sensorium.Data.Format;
using Sensorium.Data.Preprocessing;

namespace Sensorium.Cli;

/// <summary>
/// `sensorium bench load`: loads one mouse (from its zip when there is one) into preprocessed arrays, N times, and
/// reports wall seconds, the arrays' size, the process's peak resident memory (VmHWM) and the ratio peak/arrays.
/// Targets for a full-size mouse (~7000 trials, ~8000 neurons, 144×256 images) on 2 cores: ≤ 10 s, ratio ≤ 2.
/// </summary>
public sealed class BenchLoadCommand : ICommand
{
    public string Name => "bench load";
    public string Summary => CliHelp.Of(Name).Summary;
    public string Usage => CliHelp.Of(Name).Usage;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        string data = args.Required("data");
        string? key = args.Optional("mouse");
        int repeat = args.Int("repeat", 1, 1, 100);
        double scale = args.Double("scale", 0.25);
        int threads = args.Int("threads", 0, 0, 64);
        bool preferFolder = args.Flag("folder");
        args.RejectUnknown();
        if (!(scale > 0)) throw new UsageException($"--scale must be positive (got {scale.ToString(CultureInfo.InvariantCulture)})");

        var entries = SensoriumDataset.Discover(data);
        var entry = key is null
            ? entries.FirstOrDefault() ?? throw new Data.DataFormatException(Path.GetFullPath(data), "holds no mice")
            : entries.FirstOrDefault(e => e.DataKey == key) ?? throw new UsageException($"no mouse '{key}' in {data} (found: {string.Join(", ", entries.Select(e => e.DataKey))})");
        if (key is null && entries.Count > 1) error.WriteLine($"bench load: {entries.Count} mice found, using {entry.DataKey} (choose with --mouse)");
        string source = !preferFolder && entry.ZipPath is not null ? entry.ZipPath : entry.Source;

        var options = new LoadOptions(scale, threads);
        var seconds = new List<double>();
        var cpuSeconds = new List<double>(); // user + system time of all threads: robust when other processes share the cores
        long arrayBytes = 0, firstPeak = 0;
        int trials = 0, neurons = 0, height = 0, width = 0;
        for (int r = 0; r < repeat; r++)
        {
            // Give the previous run's arrays back to the OS, so each run starts from the same footprint.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            (arrayBytes, trials, neurons, height, width) = LoadOnce(source, entry.DataKey, options);
            watch.Stop();
            seconds.Add(watch.Elapsed.TotalSeconds);
            cpuSeconds.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
            if (r == 0) firstPeak = PeakResidentBytes();
            error.WriteLine($"bench load: run {r + 1}/{repeat}: {watch.Elapsed.TotalSeconds:F3} s ({cpuSeconds[^1]:F3} s CPU)");
        }
        long peak = PeakResidentBytes();
        const double mb = 1024 * 1024;

        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("dataKey", entry.DataKey);
            json.WriteString("source", source);
            json.WriteNumber("trials", trials);
            json.WriteNumber("neurons", neurons);
            json.WriteStartArray("imageShape");
            json.WriteNumberValue(height);
            json.WriteNumberValue(width);
            json.WriteEndArray();
            json.WriteNumber("scale", scale);
            json.WriteNumber("threads", options.Workers(trials));
            json.WriteNumber("processors", Environment.ProcessorCount);
            json.WriteStartArray("seconds");
            foreach (double s in seconds) json.WriteNumberValue(Math.Round(s, 3));
            json.WriteEndArray();
            json.WriteNumber("bestSeconds", Math.Round(seconds.Min(), 3));
            json.WriteStartArray("cpuSeconds");
            foreach (double s in cpuSeconds) json.WriteNumberValue(Math.Round(s, 3));
            json.WriteEndArray();
            json.WriteNumber("arraysMB", Math.Round(arrayBytes / mb, 1));
            // The first run's peak is the figure that matters (a fresh process loading one mouse); later runs may
            // add pages the GC has not yet returned to the OS.
            json.WriteNumber("peakMB", Math.Round(firstPeak / mb, 1));
            json.WriteNumber("peakOverArrays", Math.Round((double)firstPeak / arrayBytes, 2));
            json.WriteNumber("peakMBAllRuns", Math.Round(peak / mb, 1));
            json.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        return CommandLine.Ok;
    }

    /// <summary>One load, in its own frame so nothing of it stays reachable afterwards.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (long Bytes, int Trials, int Neurons, int Height, int Width) LoadOnce(string source, string dataKey, LoadOptions options)
    {
        using var mouse = SensoriumMouse.Open(source, dataKey);
        var loaded = MouseLoader.Load(mouse, options);
        return (loaded.ArrayBytes, loaded.TrialCount, loaded.NeuronCount, loaded.Height, loaded.Width);
    }

    /// <summary>Peak resident set size of this process: VmHWM from /proc/self/status, or the runtime's peak working set elsewhere.</summary>
    public static long PeakResidentBytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { } // no /proc (not Linux): the runtime's own peak below
        catch (UnauthorizedAccessException) { } // likewise
        return Process.GetCurrentProcess().PeakWorkingSet64;
    }
}
