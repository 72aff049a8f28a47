using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Sensorium.Data.Npy;

namespace Sensorium.Data.Synthetic;

/// <summary>
/// Generates one mouse and writes its participant copy (withheld data zeroed or hashed) and its host copy (true values
/// plus the oracle), both in the release's folder layout. See <see cref="SyntheticDataset"/> for what goes where.
/// </summary>
internal sealed class MouseGenerator(MouseSpec mouse, PresetSizes sizes, TrialDesign.ImageIds ids, SharedImages shared,
    SynthOptions options, IProgress<SynthProgress>? progress, CancellationToken cancel)
{
    private readonly ulong _seed = SynthRandom.Derive(options.Seed, "mouse:" + mouse.DataKey);
    private int Parallelism => options.MaxDegreeOfParallelism ?? -1;

    public SynthMouseResult Run()
    {
        var clock = Stopwatch.StartNew();
        string participant = Path.GetFullPath(Path.Combine(options.OutputDirectory, mouse.FolderName));
        string host = Path.GetFullPath(Path.Combine(options.OutputDirectory, SyntheticDataset.HostFolder, mouse.FolderName));
        foreach (string dir in new[] { participant, host })
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            foreach (string sub in new[] { "images", "responses", "behavior", "pupil_center" })
                Directory.CreateDirectory(Path.Combine(dir, "data", sub));
        }

        var design = TrialDesign.Create(mouse, sizes, ids, _seed);
        var behavior = Behavior.Simulate(design.Count, _seed);
        var cortex = CorticalCoordinates(mouse.Neurons);
        var model = new GroundTruthV1(mouse.Neurons, cortex, _seed);
        Report("calibrating", 0, 1);
        var calibration = CalibrationImages(design);
        model.Calibrate(calibration.Values.Select(c => c.View).ToList(), options.MaxDegreeOfParallelism);
        cancel.ThrowIfCancellationRequested();

        int trials = design.Count, n = mouse.Neurons;
        var responses = new float[(long)trials * n];
        var behaviorRows = new float[trials * 3];
        var pupilRows = new float[trials * 2];
        var withheldRows = design.Tier.Select((t, i) => (t, i)).Where(x => x.t is TrialDesign.Test or TrialDesign.FinalTest).Select(x => x.i).ToArray();
        var oracleRow = new int[trials];
        Array.Fill(oracleRow, -1);
        for (int k = 0; k < withheldRows.Length; k++) oracleRow[withheldRows[k]] = k;
        var expectedRows = new float[(long)withheldRows.Length * n];
        var stimulusOnlyRows = new float[(long)withheldRows.Length * n];
        var histograms = new ConcurrentBag<long[]>();
        bool zeroResponsesOfTests = mouse.Competition;
        bool zeroBehavior = mouse.DataKey == SynthPresets.SensoriumMouse;
        byte[] zeroResponse = Npy.Npy.ToBytes(NpyArray.FromFloat32(new float[n]));
        byte[] zeroBehaviorFile = Npy.Npy.ToBytes(NpyArray.FromFloat32(new float[3]));
        byte[] zeroPupilFile = Npy.Npy.ToBytes(NpyArray.FromFloat32(new float[2]));
        int done = 0, every = Math.Max(1, trials / 50);

        // Stimulus-only expectation (no eye shift, reference behaviour) of each test image, for the oracle scores.
        var stimulusOnly = StimulusOnlyDrives(model, design);
        int batch = GroundTruthV1.BatchSize;
        int batches = (trials + batch - 1) / batch;
        Parallel.For(0, batches, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancel },
            () => (scratch: new GroundTruthV1.Scratch(), drive: Enumerable.Range(0, batch).Select(_ => new float[n]).ToArray(), expected: new float[n],
                   view: new float[NaturalImages.SmallHeight * NaturalImages.SmallWidth], histogram: new long[256]),
            (b, _, local) =>
            {
                int first = b * batch, count = Math.Min(batch, trials - first);
                // 1. Images: write them and put their (eye-shifted) views into the batch.
                for (int t = 0; t < count; t++)
                {
                    int i = first + t, position = (int)design.TrialIdx[i];
                    byte[] imageFile;
                    float[] view;
                    if (design.Tier[i] is TrialDesign.Test or TrialDesign.FinalTest)
                    {
                        var img = shared.Get(design.ImageId[i]);
                        (imageFile, view) = (img.File, img.View);
                        Count(img.Pixels, local.histogram);
                    }
                    else if (calibration.TryGetValue(i, out var known))
                    {
                        (imageFile, view) = (SharedImages.ToFile(known.Pixels), known.View);
                        Count(known.Pixels, local.histogram);
                    }
                    else
                    {
                        var pixels = NaturalImages.Generate(SyntheticDataset.ImageSeed(options.Seed, design.ImageId[i]));
                        NaturalImages.Downsample(pixels, local.view);
                        (imageFile, view) = (SharedImages.ToFile(pixels), local.view);
                        Count(pixels, local.histogram);
                    }
                    string name = FileName(i);
                    File.WriteAllBytes(Path.Combine(participant, "data", "images", name), imageFile);
                    File.WriteAllBytes(Path.Combine(host, "data", "images", name), imageFile);
                    double shiftX = GroundTruthV1.ShiftPerCameraPixel * (behavior.PupilX[position] - behavior.CenterX);
                    double shiftY = GroundTruthV1.ShiftPerCameraPixel * (behavior.PupilY[position] - behavior.CenterY);
                    GroundTruthV1.Prepare(local.scratch, t, view, shiftX, shiftY);
                }
                // 2. The model on the whole batch.
                model.StimulusDrive(local.scratch, count, local.drive);
                // 3. Behaviour, noise, files.
                for (int t = 0; t < count; t++)
                {
                    int i = first + t, position = (int)design.TrialIdx[i];
                    model.Expected(local.drive[t], behavior.Running[position], behavior.Pupil[position], local.expected);
                    var row = responses.AsSpan((int)((long)i * n), n);
                    model.Sample(local.expected, row, SynthRandom.For(_seed, "trial:" + i));
                    if (oracleRow[i] >= 0)
                    {
                        local.expected.CopyTo(expectedRows.AsSpan(oracleRow[i] * n, n));
                        model.Expected(stimulusOnly[design.ImageId[i]], Behavior.RunReference, Behavior.PupilReference, stimulusOnlyRows.AsSpan(oracleRow[i] * n, n));
                    }
                    float[] beh = [behavior.Pupil[position], behavior.PupilDerivative[position], behavior.Running[position]];
                    float[] pupil = [behavior.PupilX[position], behavior.PupilY[position]];
                    beh.CopyTo(behaviorRows, i * 3);
                    pupil.CopyTo(pupilRows, i * 2);

                    string name = FileName(i);
                    byte[] responseFile = Npy.Npy.ToBytes(NpyArray.FromFloat32(row.ToArray()));
                    byte[] behaviorFile = Npy.Npy.ToBytes(NpyArray.FromFloat32(beh));
                    byte[] pupilFile = Npy.Npy.ToBytes(NpyArray.FromFloat32(pupil));
                    bool withheld = zeroResponsesOfTests && oracleRow[i] >= 0;
                    File.WriteAllBytes(Path.Combine(host, "data", "responses", name), responseFile);
                    File.WriteAllBytes(Path.Combine(participant, "data", "responses", name), withheld ? zeroResponse : responseFile);
                    File.WriteAllBytes(Path.Combine(host, "data", "behavior", name), behaviorFile);
                    File.WriteAllBytes(Path.Combine(participant, "data", "behavior", name), zeroBehavior ? zeroBehaviorFile : behaviorFile);
                    File.WriteAllBytes(Path.Combine(host, "data", "pupil_center", name), pupilFile);
                    File.WriteAllBytes(Path.Combine(participant, "data", "pupil_center", name), zeroBehavior ? zeroPupilFile : pupilFile);
                }
                int d = Interlocked.Add(ref done, count);
                if (d / every != (d - count) / every || d == trials) Report("trials", d, trials);
                return local;
            },
            local => histograms.Add(local.histogram));

        Report("metadata", 0, 1);
        var histogram = new long[256];
        foreach (var h in histograms) for (int v = 0; v < 256; v++) histogram[v] += h[v];
        var unitIds = UnitIds(n);
        string[] hashes = mouse.Competition ? HashedTrialIds(design) : [];
        // Competition mice: statistics from train + validation only, so nothing of the withheld tiers leaks; the host
        // copy carries the same files so that both normalise identically.
        var statRows = Enumerable.Range(0, trials)
            .Where(i => !mouse.Competition || design.Tier[i] is TrialDesign.Train or TrialDesign.Validation).ToArray();
        var responseStats = DatasetStatistics.Compute(responses, n, statRows);
        var behaviorStats = DatasetStatistics.Compute(behaviorRows, 3, statRows);
        var pupilStats = DatasetStatistics.Compute(pupilRows, 2, statRows);
        foreach (var (dir, isHost) in new[] { (participant, false), (host, true) })
        {
            string meta = Path.Combine(dir, "meta");
            WriteNeurons(Path.Combine(meta, "neurons"), unitIds, cortex);
            // Both copies show competition mice's trials under the hashed ids, as the organizers' ground-truth files
            // do: a submission names trials by the ids participants see. The host keeps the true order beside them.
            WriteTrials(Path.Combine(meta, "trials"), design, mouse.Competition ? hashes : null);
            if (isHost && mouse.Competition)
                Npy.Npy.Write(Path.Combine(meta, "trials", "true_trial_idx.npy"), NpyArray.FromInt64(design.TrialIdx));
            DatasetStatistics.WriteImages(meta, histogram);
            DatasetStatistics.WriteColumns(meta, "responses", responseStats);
            DatasetStatistics.WriteColumns(meta, "behavior", behaviorStats);
            DatasetStatistics.WriteColumns(meta, "pupil_center", pupilStats);
            if (isHost)
            {
                string oracle = Path.Combine(meta, "oracle");
                Npy.Npy.Write(Path.Combine(oracle, "expected_responses.npy"), NpyArray.FromFloat32(expectedRows, withheldRows.Length, n));
                Npy.Npy.Write(Path.Combine(oracle, "trial_indices.npy"), NpyArray.FromInt64(withheldRows.Select(i => (long)i).ToArray()));
            }
        }

        WriteGroundTruth(model, design, behavior, unitIds);
        var scores = Score(design, responses, expectedRows, stimulusOnlyRows, withheldRows, n);
        cancel.ThrowIfCancellationRequested();

        string? zip = options.WriteZips ? participant + ".zip" : null;
        string? hostZip = options.WriteZips && options.WriteHostZips ? host + ".zip" : null;
        foreach (string stale in new[] { participant + ".zip", host + ".zip" }) if (File.Exists(stale)) File.Delete(stale);
        if (zip is not null)
        {
            Report("zipping", 0, 1);
            var jobs = new List<Action> { () => DeterministicZip.Create(participant, zip) };
            if (hostZip is not null) jobs.Add(() => DeterministicZip.Create(host, hostZip));
            Parallel.Invoke(new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancel }, jobs.ToArray());
            Report("zipping", 1, 1);
        }
        var perTier = TrialDesign.Tiers.ToDictionary(t => t, t => design.Tier.Count(x => x == t));
        return new SynthMouseResult(mouse.DataKey, mouse.Role, participant, zip, host, hostZip, n, perTier,
            design.ImageId.Where((_, i) => design.Tier[i] == TrialDesign.Test).Distinct().Count(),
            design.ImageId.Where((_, i) => design.Tier[i] == TrialDesign.FinalTest).Distinct().Count(),
            scores, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The neurons' generative parameters (DIR/ground_truth/&lt;key&gt;.json), beside the host copy: what in-silico
    /// experiments on a trained model are scored against. The mean eye shift is taken over the train trials.
    /// </summary>
    private void WriteGroundTruth(GroundTruthV1 model, TrialDesign design, Behavior behavior, long[] unitIds)
    {
        var train = design.IndicesOf(TrialDesign.Train).ToArray();
        double sx = 0, sy = 0;
        foreach (int i in train)
        {
            int position = (int)design.TrialIdx[i];
            sx += GroundTruthV1.ShiftPerCameraPixel * (behavior.PupilX[position] - behavior.CenterX);
            sy += GroundTruthV1.ShiftPerCameraPixel * (behavior.PupilY[position] - behavior.CenterY);
        }
        sx /= Math.Max(1, train.Length);
        sy /= Math.Max(1, train.Length);
        var neurons = Enumerable.Range(0, model.Count).Select(k => new NeuronGroundTruth(
            k, unitIds[k], model.RfX[k], model.RfY[k], model.RfX[k] + sx, model.RfY[k] + sy,
            model.Sigma[k], model.Aspect[k], model.Wavelength[k], 1 / model.Wavelength[k],
            model.Theta[k] * 180 / Math.PI % 180, model.Phase[k], model.Complex[k], model.WeaklyDriven[k])).ToList();
        new MouseGroundTruth(mouse.DataKey, NaturalImages.SmallHeight, NaturalImages.SmallWidth, sx, sy,
            MouseGroundTruth.ConventionText, neurons).Write(options.OutputDirectory);
    }

    private void Report(string stage, int done, int total) => progress?.Report(new SynthProgress(mouse.DataKey, stage, done, total));

    private static string FileName(int i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".npy";

    /// <summary>Drive of every neuron for each live-test and final-test image, without eye shift.</summary>
    private Dictionary<long, float[]> StimulusOnlyDrives(GroundTruthV1 model, TrialDesign design)
    {
        var images = design.ImageId.Where((_, i) => design.Tier[i] is TrialDesign.Test or TrialDesign.FinalTest).Distinct().Order().ToArray();
        var drives = images.ToDictionary(id => id, _ => new float[model.Count]);
        int batch = GroundTruthV1.BatchSize;
        Parallel.For(0, (images.Length + batch - 1) / batch, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, () => new GroundTruthV1.Scratch(), (b, _, scratch) =>
        {
            int first = b * batch, count = Math.Min(batch, images.Length - first);
            for (int t = 0; t < count; t++) GroundTruthV1.Prepare(scratch, t, shared.Get(images[first + t]).View, 0, 0);
            model.StimulusDrive(scratch, count, Enumerable.Range(0, count).Select(t => drives[images[first + t]]).ToArray());
            return scratch;
        }, _ => { });
        return drives;
    }

    private static void Count(byte[] pixels, long[] histogram)
    {
        foreach (byte p in pixels) histogram[p]++;
    }

    /// <summary>Up to 300 train images (by file index), for <see cref="GroundTruthV1.Calibrate"/>; reused when writing.</summary>
    private SortedDictionary<int, SharedImages.Image> CalibrationImages(TrialDesign design)
    {
        var train = design.IndicesOf(TrialDesign.Train).Take(300).ToArray();
        var images = new SharedImages.Image[train.Length];
        Parallel.For(0, train.Length, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, k =>
        {
            var pixels = NaturalImages.Generate(SyntheticDataset.ImageSeed(options.Seed, design.ImageId[train[k]]));
            var view = new float[NaturalImages.SmallHeight * NaturalImages.SmallWidth];
            NaturalImages.Downsample(pixels, view);
            images[k] = new SharedImages.Image(pixels, view, []);
        });
        return new SortedDictionary<int, SharedImages.Image>(train.Select((i, k) => (i, k)).ToDictionary(x => x.i, x => images[x.k]));
    }

    /// <summary>Live-test scores of the oracle (with behaviour) and of the stimulus-only oracle, on the true responses.</summary>
    private static OracleScores Score(TrialDesign design, float[] responses, float[] expected, float[] stimulusOnly, int[] withheldRows, int n)
    {
        var test = withheldRows.Select((i, k) => (i, k)).Where(x => design.Tier[x.i] == TrialDesign.Test).ToArray();
        var r = new float[test.Length * n];
        var e = new float[test.Length * n];
        var s = new float[test.Length * n];
        for (int t = 0; t < test.Length; t++)
        {
            responses.AsSpan(test[t].i * n, n).CopyTo(r.AsSpan(t * n));
            expected.AsSpan(test[t].k * n, n).CopyTo(e.AsSpan(t * n));
            stimulusOnly.AsSpan(test[t].k * n, n).CopyTo(s.AsSpan(t * n));
        }
        var images = test.Select(x => design.ImageId[x.i]).ToArray();
        return new OracleScores(
            OracleScoring.SingleTrial(e, r, test.Length, n),
            OracleScoring.ToAverage(e, r, images, n),
            OracleScoring.SingleTrial(s, r, test.Length, n));
    }

    /// <summary>
    /// Cortical positions (µm, microscope stage coordinates): a ~630 µm square field at a random stage offset, 10 imaging
    /// planes 25 µm apart in L2/3 (depth 180–405 µm). Neurons are ordered by plane, as a segmentation lists them.
    /// </summary>
    private double[,] CorticalCoordinates(int neurons)
    {
        var rng = SynthRandom.For(_seed, "cortex");
        double ox = rng.Uniform(-1500, 1500), oy = rng.Uniform(-1500, 1500), oz = rng.Uniform(-50, 50);
        var planes = Enumerable.Range(0, neurons).Select(_ => rng.NextInt(10)).Order().ToArray();
        var c = new double[neurons, 3];
        for (int k = 0; k < neurons; k++)
        {
            c[k, 0] = Math.Round(ox + rng.Uniform(-315, 315), 2);
            c[k, 1] = Math.Round(oy + rng.Uniform(-315, 315), 2);
            c[k, 2] = Math.Round(oz + 180 + 25 * planes[k] + rng.Normal(0, 1.5), 2);
        }
        return c;
    }

    /// <summary>Ascending unit ids from 1 with gaps (segmented units that were discarded).</summary>
    private long[] UnitIds(int neurons)
    {
        var rng = SynthRandom.For(_seed, "unit-ids");
        var ids = new long[neurons];
        long next = 1;
        for (int k = 0; k < neurons; k++)
        {
            while (rng.Chance(0.08)) next++;
            ids[k] = next++;
        }
        return ids;
    }

    /// <summary>32-hex ids that hide the presentation order (as the release does for the competition mice).</summary>
    private string[] HashedTrialIds(TrialDesign design)
    {
        var rng = SynthRandom.For(_seed, "trial-hash-salt");
        var salt = BitConverter.GetBytes(rng.NextUInt64()).Concat(BitConverter.GetBytes(rng.NextUInt64())).ToArray();
        return design.TrialIdx.Select(t =>
        {
            var bytes = salt.Concat(Encoding.ASCII.GetBytes(mouse.DataKey + ":" + t)).ToArray();
            return Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 16));
        }).ToArray();
    }

    private void WriteNeurons(string dir, long[] unitIds, double[,] cortex)
    {
        int n = unitIds.Length;
        var coordinates = new double[n * 3];
        Buffer.BlockCopy(cortex, 0, coordinates, 0, n * 3 * sizeof(double));
        Npy.Npy.Write(Path.Combine(dir, "unit_ids.npy"), NpyArray.FromInt64(unitIds));
        Npy.Npy.Write(Path.Combine(dir, "cell_motor_coordinates.npy"), NpyArray.FromFloat64(coordinates, n, 3));
        Npy.Npy.Write(Path.Combine(dir, "area.npy"), NpyArray.FromStrings(Enumerable.Repeat("V1", n).ToArray()));
        Npy.Npy.Write(Path.Combine(dir, "layer.npy"), NpyArray.FromStrings(Enumerable.Repeat("L2/3", n).ToArray()));
        Npy.Npy.Write(Path.Combine(dir, "animal_ids.npy"), NpyArray.FromInt64(Enumerable.Repeat((long)mouse.AnimalId, n).ToArray()));
        Npy.Npy.Write(Path.Combine(dir, "sessions.npy"), NpyArray.FromInt64(Enumerable.Repeat((long)mouse.Session, n).ToArray()));
        Npy.Npy.Write(Path.Combine(dir, "scan_idx.npy"), NpyArray.FromInt64(Enumerable.Repeat((long)mouse.ScanIdx, n).ToArray()));
    }

    private static void WriteTrials(string dir, TrialDesign design, string[]? hashedTrialIdx)
    {
        Npy.Npy.Write(Path.Combine(dir, "tiers.npy"), NpyArray.FromStrings(design.Tier));
        Npy.Npy.Write(Path.Combine(dir, "frame_image_id.npy"), NpyArray.FromInt64(design.ImageId));
        Npy.Npy.Write(Path.Combine(dir, "trial_idx.npy"),
            hashedTrialIdx is null ? NpyArray.FromInt64(design.TrialIdx) : NpyArray.FromStrings(hashedTrialIdx));
        Npy.Npy.Write(Path.Combine(dir, "frame_image_class.npy"), NpyArray.FromStrings(Enumerable.Repeat("imagenet", design.Count).ToArray()));
        Npy.Npy.Write(Path.Combine(dir, "frame_trial_ts.npy"), NpyArray.FromStrings(design.TimestampStrings()));
    }
}

/// <summary>The live-test and final-test images, generated once and shared by every mouse that shows them.</summary>
internal sealed class SharedImages(ulong seed)
{
    public sealed record Image(byte[] Pixels, float[] View, byte[] File);

    private readonly ConcurrentDictionary<long, Lazy<Image>> _images = new();

    public Image Get(long id) => _images.GetOrAdd(id, k => new Lazy<Image>(() =>
    {
        var pixels = NaturalImages.Generate(SyntheticDataset.ImageSeed(seed, k));
        var view = new float[NaturalImages.SmallHeight * NaturalImages.SmallWidth];
        NaturalImages.Downsample(pixels, view);
        return new Image(pixels, view, ToFile(pixels));
    })).Value;

    public static byte[] ToFile(byte[] pixels) =>
        Npy.Npy.ToBytes(new NpyArray(NpyDType.UInt8, [1, NaturalImages.Height, NaturalImages.Width], pixels));
}
