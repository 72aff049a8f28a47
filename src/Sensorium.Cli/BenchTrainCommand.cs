using System.Globalization;
using System.Text.Json;
using Sensorium.Models;
using Sensorium.Training;
using static TorchSharp.torch;

namespace Sensorium.Cli;

/// <summary>
/// `sensorium bench train`: the trainer's real step (forward, scaled Poisson loss + regularizers, backward, Adam) on
/// random seeded data of one mouse, timed. The reference configuration is batch 128, 1×36×64 input, 8,000 neurons,
/// the SOTA model; scripts/reference/bench_reference_train.py is the same in PyTorch and scripts/bench.sh compares them.
/// Prints JSON (stdout) and one human line (stderr).
/// </summary>
public sealed class BenchTrainCommand : ICommand
{
    public string Name => "bench train";
    public string Summary => CliHelp.Of(Name).Summary;
    public string Usage => CliHelp.Of(Name).Usage;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        int neurons = args.Int("neurons", 8000, 1, 1_000_000);
        int batch = args.Int("batch", 128, 1, 4096);
        int steps = args.Int("steps", 10, 1, 100_000);
        int warmup = args.Int("warmup", 2, 0, 1000);
        int threads = args.Int("threads", Environment.ProcessorCount, 1, 256);
        string deviceChoice = args.Choice("device", "auto", "auto", "cpu", "cuda");
        string modelName = args.Choice("model", "sota", [.. ModelSpec.PresetNames]);
        bool plus = args.Flag("plus");
        int evalSteps = args.Int("eval-steps", Math.Max(1, steps / 2), 0, 100_000);
        int profile = args.Int("profile", 0, 0, 1000);
        int seed = args.Int("seed", 42, 0, int.MaxValue);
        string precision = args.Choice("precision", MixedPrecision.Fp32, MixedPrecision.Fp32, MixedPrecision.Bf16);
        bool split = !args.Flag("no-split");
        bool cudnnBenchmark = args.Flag("cudnn-benchmark");
        bool channelsLast = args.Flag("channels-last");
        args.RejectUnknown();

        // Threads: the intra-op count applies to the calling thread (and is the default for new ones); inter-op
        // threads are not used by this single-threaded step, so one is enough (settable only before any inter-op work).
        try
        {
            TorchNative.Initialize(); // before the first torch call
        }
        catch (InvalidOperationException e)
        {
            error.WriteLine($"sensorium bench train: {e.Message}");
            return CommandLine.InvalidInput;
        }
        // libtorch refuses a second setting once inter-op work has started (a c10::Error, surfaced as ExternalException):
        // only possible when the command runs twice in one process (tests); the first setting then stays.
        try { set_num_interop_threads(1); } catch (System.Runtime.InteropServices.ExternalException) { }
        set_num_threads(threads);
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null)
            error.WriteLine("bench train: OMP_WAIT_POLICY is not set; on shared cores set OMP_WAIT_POLICY=PASSIVE");

        var (preset, scale) = ModelSpec.Preset(modelName);
        var spec = preset.ForInputs(plus ? 4 : 1, shifter: plus).ForScale(scale);
        int height = (int)Math.Round(144 * scale), width = (int)Math.Round(256 * scale);
        var config = new TrainingBenchConfig(spec, neurons, batch, height, width, Trials: Math.Max(1024, 2 * batch), Device: deviceChoice,
            Seed: (ulong)seed, Precision: precision, CudnnBenchmark: cudnnBenchmark, ChannelsLast: channelsLast);
        TrainingBench bench;
        try
        {
            bench = new TrainingBench(config);
        }
        catch (InvalidOperationException e) // e.g. CUDA requested but not available
        {
            error.WriteLine($"sensorium bench train: {e.Message}");
            return CommandLine.InvalidInput;
        }
        using var _ = bench;

        for (int i = 0; i < warmup; i++)
        {
            var w = bench.TrainStep(split);
            error.WriteLine($"bench train: warmup {i + 1}/{warmup}: {w.TotalMs:F1} ms");
        }
        var timings = new List<StepTiming>();
        for (int i = 0; i < steps; i++)
        {
            timings.Add(bench.TrainStep(split));
            error.WriteLine($"bench train: step {i + 1}/{steps}: {timings[^1].TotalMs:F1} ms (forward {timings[^1].ForwardMs:F1}, " +
                            $"backward {timings[^1].BackwardMs:F1}, optimizer {timings[^1].OptimizerMs:F1}; CPU {timings[^1].CpuMs:F0}, sys {timings[^1].SysMs:F0}), loss {timings[^1].Loss:G6}");
        }
        var evalMs = new List<double>();
        if (evalSteps > 0) bench.EvalStep(); // warm the eval path (no autograd graph)
        for (int i = 0; i < evalSteps; i++) evalMs.Add(bench.EvalStep());
        var parts = profile > 0 ? bench.ProfileParts(profile) : null;

        double median = TrainingBench.Median(timings.Select(t => t.TotalMs).ToList());
        double forward = TrainingBench.Median(timings.Select(t => t.ForwardMs).ToList());
        double backward = TrainingBench.Median(timings.Select(t => t.BackwardMs).ToList());
        double optimizerMs = TrainingBench.Median(timings.Select(t => t.OptimizerMs).ToList());
        double evalMedian = evalMs.Count > 0 ? TrainingBench.Median(evalMs) : double.NaN;
        double samplesPerSecond = batch / (median / 1000);
        double evalSamplesPerSecond = batch / (evalMedian / 1000);
        long peak = BenchLoadCommand.PeakResidentBytes();
        const double mb = 1024 * 1024;
        string libtorch = LibTorchVersion();
        double[] load = LoadAverage();

        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("implementation", "torchsharp");
            json.WriteString("model", modelName + (plus ? "+" : ""));
            json.WriteString("precision", precision);
            json.WriteBoolean("split", split);
            json.WriteBoolean("channelsLast", channelsLast);
            json.WriteString("cudnnBenchmark", bench.CudnnBenchmark);
            json.WriteNumber("neurons", neurons);
            json.WriteNumber("batch", batch);
            json.WriteString("input", $"{spec.InputChannels}x{config.Height}x{config.Width}");
            json.WriteNumber("parameters", bench.Parameters);
            json.WriteString("device", bench.Device.ToString());
            json.WriteNumber("threads", get_num_threads());
            json.WriteNumber("interopThreads", get_num_interop_threads());
            json.WriteString("ompWaitPolicy", Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "");
            json.WriteString("torchsharp", typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "");
            json.WriteString("libtorch", libtorch);
            json.WriteStartArray("nativeSetup");
            foreach (string line in TorchNative.Log) json.WriteStringValue(line);
            json.WriteEndArray();
            json.WriteNumber("steps", steps);
            json.WriteNumber("warmup", warmup);
            json.WriteNumber("trainSamplesPerSecond", Math.Round(samplesPerSecond, 2));
            json.WriteNumber("msPerStep", Math.Round(median, 1));
            json.WriteNumber("forwardMs", Math.Round(forward, 1));
            json.WriteNumber("backwardMs", Math.Round(backward, 1));
            json.WriteNumber("optimizerMs", Math.Round(optimizerMs, 1));
            json.WriteNumber("cpuMsPerStep", Math.Round(TrainingBench.Median(timings.Select(t => t.CpuMs).ToList()), 1));
            json.WriteNumber("sysMsPerStep", Math.Round(TrainingBench.Median(timings.Select(t => t.SysMs).ToList()), 1));
            json.WriteStartArray("stepMs");
            foreach (var t in timings) json.WriteNumberValue(Math.Round(t.TotalMs, 1));
            json.WriteEndArray();
            if (evalMs.Count > 0)
            {
                json.WriteNumber("evalSamplesPerSecond", Math.Round(evalSamplesPerSecond, 2));
                json.WriteNumber("evalMsPerBatch", Math.Round(evalMedian, 1));
            }
            else
            {
                json.WriteNull("evalSamplesPerSecond");
                json.WriteNull("evalMsPerBatch");
            }
            json.WriteNumber("lastLoss", timings[^1].Loss);
            json.WriteNumber("peakMB", Math.Round(peak / mb, 1));
            json.WriteStartArray("loadAverage");
            foreach (double l in load) json.WriteNumberValue(l);
            json.WriteEndArray();
            if (parts is not null)
            {
                json.WriteStartObject("partsMs");
                foreach (var (k, v) in parts) json.WriteNumber(k, Math.Round(v, 1));
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"torchsharp {precision}{(split ? "" : " no-split")}{(channelsLast ? " channels-last" : "")}{(cudnnBenchmark ? " cudnn-benchmark" : "")} {modelName}{(plus ? "+" : "")} N={neurons} B={batch} {bench.Device} {get_num_threads()} threads: " +
            $"train {samplesPerSecond:F1} samples/s, {median:F0} ms/step (fwd {forward:F0}, bwd {backward:F0}, adam {optimizerMs:F0}); " +
            $"eval {(evalMs.Count > 0 ? $"{evalSamplesPerSecond:F1} samples/s" : "not run")}; peak {peak / mb:F0} MB; libtorch {libtorch}; load {string.Join(' ', load)}; cuDNN benchmark {bench.CudnnBenchmark}"));
        return CommandLine.Ok;
    }

    /// <summary>The libtorch version: from the loaded libtorch's folder name when it has one, else TorchSharp's own report.</summary>
    private static string LibTorchVersion()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int at = line.IndexOf('/');
                if (at < 0 || !line.Contains("libtorch_c", StringComparison.Ordinal)) continue;
                string path = line[at..];
                var m = System.Text.RegularExpressions.Regex.Match(path, @"(\d+\.\d+\.\d+[^/]*)/");
                if (m.Success) return m.Groups[1].Value;
                string? version = TryPythonTorchVersion(Path.GetDirectoryName(path)!);
                if (version is not null) return version;
            }
        }
        catch (IOException) { } // no /proc (not Linux) or unreadable: the version comes from TorchSharp below
        catch (UnauthorizedAccessException) { } // likewise
        try { return __version__; } catch (Exception) { return "unknown"; }
    }

    /// <summary>A pip torch keeps its version in torch/version.py next to torch/lib.</summary>
    private static string? TryPythonTorchVersion(string libDir)
    {
        string file = Path.Combine(libDir, "..", "version.py");
        if (!File.Exists(file)) return null;
        foreach (string line in File.ReadLines(file))
            if (line.StartsWith("__version__", StringComparison.Ordinal)) return line.Split('=')[1].Trim().Trim('\'', '"');
        return null;
    }

    private static double[] LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ').Take(3)
                .Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return []; }
    }
}
