using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sensorium.Data.Synthetic;

/// <summary>
/// The embedded default dataset: a seeded synthetic stand-in for the Sensorium 2022 release, in its exact on-disk layout
/// (SENSORIUM.md §1), with responses from a known ground-truth V1 model (<see cref="GroundTruthV1"/>).
/// <para>Output directory:</para>
/// <list type="bullet">
/// <item><c>static&lt;key&gt;-GrayImageNet-94c6ff995dac583098847cfecd43e7b6/</c> and <c>.zip</c> per mouse: the participant
/// copy. Competition mice: test and final_test responses zeroed, trial_idx hashed (32 hex) for all trials;
/// 26872-17-20: behaviour and pupil_center zeroed for all trials; statistics from train + validation only.</item>
/// <item><c>host/&lt;same names&gt;</c> (folders; zips only with <see cref="SynthOptions.WriteHostZips"/>): the host copy, same file indices and unit ids, true responses, behaviour and
/// the same hashed trial_idx (the ids submissions use), plus <c>meta/trials/true_trial_idx.npy</c> (the presentation order, competition mice) and
/// <c>meta/oracle/{expected_responses,trial_indices}.npy</c> (noise-free expected responses of the test and final_test
/// trials in raw units, and their file indices).</item>
/// <item><c>README.txt</c> and <c>synthetic.json</c> (this generation's summary, written last: its presence marks a
/// complete dataset).</item>
/// </list>
/// </summary>
public static class SyntheticDataset
{
    public const string HostFolder = "host";
    public const string SummaryFile = "synthetic.json";
    public const string ReadmeFile = "README.txt";

    internal static ulong ImageSeed(ulong seed, long imageId) => SynthRandom.Derive(seed, "image:" + imageId.ToString(CultureInfo.InvariantCulture));

    public static SynthResult Generate(SynthOptions options, IProgress<SynthProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var sizes = SynthPresets.For(options.Preset);
        var wanted = options.Mice ?? SynthPresets.DataKeys;
        var unknown = wanted.Where(k => !SynthPresets.DataKeys.Contains(k)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"unknown mouse key(s) {string.Join(", ", unknown)}; expected some of {string.Join(", ", SynthPresets.DataKeys)}");
        if (wanted.Count == 0) throw new ArgumentException("no mice selected");

        Directory.CreateDirectory(options.OutputDirectory);
        string summaryPath = Path.Combine(options.OutputDirectory, SummaryFile);
        if (File.Exists(summaryPath)) File.Delete(summaryPath); // an interrupted run must not look complete

        var ids = TrialDesign.AllocateImageIds(options.Seed, sizes);
        var shared = new SharedImages(options.Seed);
        var results = new List<SynthMouseResult>();
        foreach (var mouse in sizes.Mice.Where(m => wanted.Contains(m.DataKey)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            results.Add(new MouseGenerator(mouse, sizes, ids, shared, options, progress, cancellationToken).Run());
        }
        var result = new SynthResult(Path.GetFullPath(options.OutputDirectory), Path.GetFullPath(Path.Combine(options.OutputDirectory, HostFolder)),
            options.Preset.ToString().ToLowerInvariant(), options.Seed, results, clock.Elapsed.TotalSeconds);
        File.WriteAllText(Path.Combine(options.OutputDirectory, ReadmeFile), Readme(result, sizes));
        File.WriteAllText(summaryPath, ToJson(Portable(result)));
        return result;
    }

    /// <summary>
    /// Reads the summary of a complete dataset (paths made absolute again), or null when <paramref name="directory"/>
    /// holds none.
    /// </summary>
    public static SynthResult? ReadSummary(string directory)
    {
        string path = Path.Combine(directory, SummaryFile);
        if (!File.Exists(path)) return null;
        var r = JsonSerializer.Deserialize<SynthResult>(File.ReadAllText(path), JsonOptions);
        if (r is null) return null;
        string root = Path.GetFullPath(directory);
        string? Abs(string? p) => p is null ? null : Path.GetFullPath(Path.Combine(root, p));
        return r with
        {
            OutputDirectory = root,
            HostDirectory = Abs(r.HostDirectory)!,
            Mice = r.Mice.Select(m => m with { Folder = Abs(m.Folder)!, Zip = Abs(m.Zip), HostFolder = Abs(m.HostFolder)!, HostZip = Abs(m.HostZip) }).ToList(),
        };
    }

    /// <summary>The summary as stored in <see cref="SummaryFile"/>: paths relative to the dataset, no timings (byte-stable).</summary>
    private static SynthResult Portable(SynthResult r)
    {
        string? Rel(string? p) => p is null ? null : Path.GetRelativePath(r.OutputDirectory, p).Replace('\\', '/');
        return r with
        {
            OutputDirectory = ".",
            HostDirectory = Rel(r.HostDirectory)!,
            Seconds = 0,
            Mice = r.Mice.Select(m => m with { Folder = Rel(m.Folder)!, Zip = Rel(m.Zip), HostFolder = Rel(m.HostFolder)!, HostZip = Rel(m.HostZip), Seconds = 0 }).ToList(),
        };
    }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // "<f4", "+" stay readable
    };

    public static string ToJson(SynthResult result) => JsonSerializer.Serialize(result, JsonOptions);

    private static string Readme(SynthResult r, PresetSizes sizes)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine("Sensorium Workbench synthetic dataset");
        w.WriteLine("======================================");
        w.WriteLine($"Preset {r.Preset}, seed {r.Seed}. Regenerate with: sensorium synth --preset {r.Preset} --seed {r.Seed} --out <dir>");
        w.WriteLine("Same preset and seed give byte-identical files (zips included).");
        w.WriteLine();
        w.WriteLine("NOT REAL DATA. A stand-in with the exact layout of the Sensorium 2022 release (static<key>-GrayImageNet-");
        w.WriteLine("94c6ff995dac583098847cfecd43e7b6 folders and zips: data/{images,responses,behavior,pupil_center}/<i>.npy,");
        w.WriteLine("meta/{neurons,trials,statistics}) and responses from a known ground-truth model of mouse V1.");
        w.WriteLine();
        w.WriteLine("Stimuli: 144x256 uint8 natural-image-like pictures (1/f noise, occluding objects, edges, textures).");
        w.WriteLine($"Live test ('test'): the same {sizes.TestImages} images in every mouse, {sizes.MinRepeats}-{sizes.MaxRepeats} repeats each.");
        w.WriteLine($"'final_test': {sizes.FinalTestImages} other images, competition mice only. Train/validation images are shown once.");
        w.WriteLine("File indices are shuffled; trial_idx is the presentation order (integers) for pre-training mice.");
        w.WriteLine();
        w.WriteLine("Ground truth: Gabor simple cells and energy-model complex cells on the 36x64 view, RF centres from a smooth");
        w.WriteLine("retinotopic map of cell_motor_coordinates, divisive normalisation by local contrast, power-law output,");
        w.WriteLine("gain from running speed and pupil size, RFs shifted with the pupil centre, 20% weakly driven neurons,");
        w.WriteLine("Gamma-Poisson noise with a shared trial gain. Behaviour drifts slowly; pupil and running are correlated.");
        w.WriteLine();
        w.WriteLine("Participant copy (this directory), as in the real release:");
        w.WriteLine("  - competition mice 26872-17-20 and 27204-5-13: test and final_test responses are zeros; trial_idx are");
        w.WriteLine("    32-hex hashes for all trials;");
        w.WriteLine("  - 26872-17-20 (SENSORIUM track): behavior and pupil_center are zeros for all trials;");
        w.WriteLine("  - statistics: pre-training mice from all trials; competition mice from train+validation trials only");
        w.WriteLine("    (so nothing of the withheld tiers leaks; 26872-17-20's behaviour/pupil statistics come from its true,");
        w.WriteLine("    unpublished train+validation values so that they are not degenerate). Image statistics: all trials.");
        w.WriteLine();
        w.WriteLine($"Host copy ({HostFolder}/, folders; zipped only with --host-zips): same folder names, file indices and unit ids,");
        w.WriteLine("with the true responses, behaviour,");
        w.WriteLine("pupil centres, the same trial_idx (hashed for the competition mice: submissions name trials by these,");
        w.WriteLine("as in the organizers' ground-truth files) and statistics files as the participant copy, and:");
        w.WriteLine("  - meta/trials/true_trial_idx.npy (competition mice): the true presentation order (int64);");
        w.WriteLine("  - meta/oracle/expected_responses.npy: float32 (M, neurons), the noise-free expected response of every");
        w.WriteLine("    test and final_test trial given its image, behaviour and eye position, in raw response units");
        w.WriteLine("    (divide by meta/statistics/responses/all/std as for the responses to get submission units);");
        w.WriteLine("  - meta/oracle/trial_indices.npy: int64 (M,), the file index <i> of each row, ascending.");
        w.WriteLine("Score a model on withheld tiers against it: sensorium evaluate --run RUN --tier test --truth <dir>/host");
        w.WriteLine();
        w.WriteLine($"{MouseGroundTruth.Folder}/<key>.json: every neuron's generative parameters (RF centre in model-input pixels at rest");
        w.WriteLine("and at the mean train eye position, envelope, wavelength, orientation, phase, simple/complex, weakly driven):");
        w.WriteLine("score in-silico experiments against it with: sensorium insilico score --run RUN --truth <dir>");
        w.WriteLine();
        w.WriteLine("Oracle on the live test (true responses): single-trial correlation / correlation to average /");
        w.WriteLine("single-trial correlation of the stimulus-only expectation (what an image-only model can reach at best):");
        foreach (var m in r.Mice)
            w.WriteLine(FormattableString.Invariant(
                $"  {m.DataKey,-12} {m.Neurons,5} neurons  {m.TrialsPerTier[TrialDesign.Train],5}/{m.TrialsPerTier[TrialDesign.Validation]}/{m.TrialsPerTier[TrialDesign.Test]}/{m.TrialsPerTier[TrialDesign.FinalTest]} trials (train/validation/test/final_test)  oracle {m.LiveTestOracle.SingleTrial:F3} / {m.LiveTestOracle.CorrelationToAverage:F3} / {m.LiveTestOracle.StimulusOnlySingleTrial:F3}"));
        return w.ToString();
    }
}
