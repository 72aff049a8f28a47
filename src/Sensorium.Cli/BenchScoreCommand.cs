using System.Diagnostics;
using System.Text.Json;
using Sensorium.Data.Submissions;

namespace Sensorium.Cli;

/// <summary>
/// `sensorium bench score`: times validation and scoring of a full-size submission (default 1000 trials × 8000
/// neurons, 100 images with uneven repeats, hash trial ids, float32 predictions written compactly). Everything is
/// generated from the seed in a temporary folder, deleted afterwards unless --keep.
/// </summary>
public sealed class BenchScoreCommand : ICommand
{
    public string Name => "bench score";
    public string Summary => CliHelp.Of(Name).Summary;
    public string Usage => CliHelp.Of(Name).Usage;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        int neurons = args.Int("neurons", 8000, 1, 100_000);
        int trials = args.Int("trials", 1000, 2, 100_000);
        int images = args.Int("images", Math.Max(1, trials / 10), 1, trials / 2);
        int seed = args.Int("seed", 1);
        int repeat = args.Int("repeat", 3, 1, 100);
        bool keep = args.Flag("keep");
        bool pythonFloats = args.Flag("python-floats");
        args.RejectUnknown();

        string dir = Directory.CreateTempSubdirectory("sensorium-bench-").FullName;
        try
        {
            var clock = Stopwatch.StartNew();
            var (truth, predictions) = Generate(trials, neurons, images, seed);
            double generate = clock.Elapsed.TotalSeconds;
            var process = Process.GetCurrentProcess();
            var writeCpu = process.TotalProcessorTime;
            clock.Restart();
            string file = pythonFloats
                ? SubmissionWriter.WriteFile(dir, truth.Target, Sensorium.Data.Metrics.SensoriumMetrics.ToDouble(predictions))
                : SubmissionWriter.WriteFile(dir, truth.Target, predictions);
            double write = clock.Elapsed.TotalSeconds;
            process.Refresh();
            double writeCpuS = (process.TotalProcessorTime - writeCpu).TotalSeconds;
            long bytes = new FileInfo(file).Length;

            // Wall time, and this process's CPU time (the machine may be shared: CPU time shows the work itself).
            var validate = new List<double>();
            var score = new List<double>();
            var validateCpu = new List<double>();
            var scoreCpu = new List<double>();
            SubmissionScore? last = null;
            for (int i = 0; i < repeat; i++)
            {
                var cpu = process.TotalProcessorTime;
                clock.Restart();
                var report = SubmissionValidator.Validate(file, truth.Target);
                validate.Add(clock.Elapsed.TotalSeconds);
                process.Refresh();
                validateCpu.Add((process.TotalProcessorTime - cpu).TotalSeconds);
                if (!report.Valid) throw new InvalidOperationException("generated file is invalid: " + report);
                cpu = process.TotalProcessorTime;
                clock.Restart();
                last = SubmissionScorer.Score(file, truth);
                score.Add(clock.Elapsed.TotalSeconds);
                process.Refresh();
                scoreCpu.Add((process.TotalProcessorTime - cpu).TotalSeconds);
            }
            var m = last!.Metrics!;
            var result = new Dictionary<string, object>
            {
                ["trials"] = trials,
                ["neurons"] = neurons,
                ["images"] = images,
                ["number_format"] = pythonFloats ? "python float (17 digits)" : "shortest float32",
                ["file_bytes"] = bytes,
                ["file"] = keep ? file : Path.GetFileName(file),
                ["processors"] = Environment.ProcessorCount,
                ["generate_s"] = Math.Round(generate, 3),
                ["write_s"] = Math.Round(write, 3),
                ["write_cpu_s"] = Math.Round(writeCpuS, 3),
                ["validate_s"] = validate.Select(v => Math.Round(v, 3)).ToArray(),
                ["score_s"] = score.Select(v => Math.Round(v, 3)).ToArray(),
                ["validate_cpu_s"] = validateCpu.Select(v => Math.Round(v, 3)).ToArray(),
                ["score_cpu_s"] = scoreCpu.Select(v => Math.Round(v, 3)).ToArray(),
                ["first_validate_plus_score_s"] = Math.Round(validate[0] + score[0], 3),
                ["best_validate_plus_score_s"] = Math.Round(validate.Min() + score.Min(), 3),
                ["single_trial_correlation"] = m.SingleTrialCorrelation,
                ["correlation_to_average"] = m.CorrelationToAverage,
                ["feve"] = m.Feve,
            };
            output.WriteLine(JsonSerializer.Serialize(result, SubmissionInputs.Json));
            error.WriteLine($"validate {validate.Min():F3} s + score {score.Min():F3} s (best of {repeat}) on {bytes / 1e6:F1} MB, {trials} rows × {neurons} neurons");
            return CommandLine.Ok;
        }
        finally
        {
            if (!keep) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A seeded tier: hash trial ids, uneven repeats, gapped unit ids, responses ≥ 0 with an image-driven part.</summary>
    internal static (GroundTruth Truth, float[,] Predictions) Generate(int trials, int neurons, int images, int seed)
    {
        var rng = new Random(seed);
        var trialIds = new string[trials];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int t = 0; t < trials; t++)
            do trialIds[t] = Convert.ToHexStringLower(BitConverterBytes(rng)); while (!seen.Add(trialIds[t]));
        long[] imageOf = Enumerable.Range(0, images).Select(k => 1000L + 37 * k + rng.Next(30)).ToArray();
        var imageIds = new long[trials];
        for (int t = 0; t < trials; t++) imageIds[t] = imageOf[t < 2 * images ? t % images : rng.Next(images)];   // every image ≥ 2 trials
        long[] neuronIds = new long[neurons];
        for (int j = 0, id = 1; j < neurons; j++, id += 1 + (rng.Next(10) == 0 ? 1 : 0)) neuronIds[j] = id;

        var signal = new double[images * neurons];
        for (int i = 0; i < signal.Length; i++) signal[i] = rng.NextDouble() * 2;
        var responses = new double[trials, neurons];
        var predictions = new float[trials, neurons];
        var imageIndex = imageIds.Select(id => Array.IndexOf(imageOf, id)).ToArray();
        for (int t = 0; t < trials; t++)
            for (int j = 0; j < neurons; j++)
            {
                double s = signal[imageIndex[t] * neurons + j];
                responses[t, j] = (float)Math.Max(0, s + rng.NextDouble() - 0.5);
                predictions[t, j] = (float)(s * 0.8 + 0.3 * rng.NextDouble());
            }
        var target = new SubmissionTarget("bench-mouse", SubmissionTiers.LiveTest, trialIds, imageIds, neuronIds);
        return (new GroundTruth(target, responses), predictions);
    }

    private static byte[] BitConverterBytes(Random rng)
    {
        var b = new byte[16];
        rng.NextBytes(b);
        return b;
    }
}
