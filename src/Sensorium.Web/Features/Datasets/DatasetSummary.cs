using Sensorium.Data.Format;
using Sensorium.Data.Npy;
using Sensorium.Web.Features.Charts;

namespace Sensorium.Web.Features.Datasets;

/// <summary>What the dataset page shows of a dataset root: its mice, computed once and cached (see <see cref="DatasetSummaries"/>).</summary>
/// <param name="Problems">Mice that could not be read, with the reason (the others are still shown).</param>
public sealed record DatasetSummary(string Path, DateTimeOffset ComputedAt, IReadOnlyList<MouseSummary> Mice, IReadOnlyList<string> Problems);

/// <summary>One example stimulus: a trial's image as a grayscale PNG data URL.</summary>
public sealed record ExampleStimulus(int Trial, string Tier, long ImageId, string PngDataUrl);

/// <summary>
/// One mouse at a glance: trials per tier and neurons (from the meta), behaviour over all trials as histograms,
/// pupil centres and neuron positions (subsampled to at most <see cref="MouseSummarizer.MaxPoints"/>), example stimuli.
/// </summary>
public sealed record MouseSummary(
    string DataKey, string Source, int Trials, IReadOnlyDictionary<string, int> TrialsPerTier, int Neurons,
    string ImageShape, string ImageDType,
    Histogram PupilSize, Histogram PupilSizeDerivative, Histogram RunningSpeed, bool BehaviorAllZero,
    IReadOnlyList<ChartPoint> PupilCenter, IReadOnlyList<ChartPoint> NeuronPositions, IReadOnlyList<ExampleStimulus> Examples);

/// <summary>Reads a mouse once (meta, then every behaviour and pupil-centre file in one pass) into a <see cref="MouseSummary"/>.</summary>
public static class MouseSummarizer
{
    public const int MaxPoints = 2000;
    public const int Bins = 30;

    public static MouseSummary Summarize(MouseEntry entry, int examples = 4)
    {
        using var mouse = entry.Open();
        var meta = mouse.Meta;
        int trials = mouse.TrialCount;

        var tiers = Tiers.All.Select(t => (Tier: t, Count: meta.Tiers.Count(x => x == t)))
            .Where(t => t.Count > 0).ToDictionary(t => t.Tier.ToOfficialString(), t => t.Count);

        var pupil = new double[trials];
        var derivative = new double[trials];
        var running = new double[trials];
        var centre = new List<ChartPoint>();
        int stride = Math.Max(1, (trials + MaxPoints - 1) / MaxPoints);
        bool allZero = true;
        for (int t = 0; t < trials; t++)
        {
            var b = mouse.ReadBehavior(t); // pupil size, its derivative, running speed
            (pupil[t], derivative[t], running[t]) = (b[0], b[1], b[2]);
            allZero &= b[0] == 0 && b[1] == 0 && b[2] == 0;
            if (t % stride == 0)
            {
                var c = mouse.ReadPupilCenter(t);
                centre.Add(new ChartPoint(c[0], c[1]));
            }
        }

        int neuronStride = Math.Max(1, (meta.NeuronCount + MaxPoints - 1) / MaxPoints);
        var neurons = new List<ChartPoint>();
        for (int n = 0; n < meta.NeuronCount; n += neuronStride)
        {
            var (x, y, z) = meta.Coordinate(n);
            neurons.Add(new ChartPoint(x, y, z));
        }

        return new MouseSummary(
            mouse.DataKey, mouse.Source, trials, tiers, meta.NeuronCount, mouse.ImageShape.ToString(), mouse.DTypes.Images,
            Histogram.Of(pupil, Bins), Histogram.Of(derivative, Bins), Histogram.Of(running, Bins), allZero,
            centre, neurons, ExampleTrials(meta, examples).Select(t => Example(mouse, t)).ToList());
    }

    /// <summary>The first trial of each tier, then further training trials of other images, up to <paramref name="count"/>.</summary>
    static IEnumerable<int> ExampleTrials(MouseMeta meta, int count)
    {
        var picked = new List<int>();
        foreach (var tier in Tiers.All)
            if (Array.IndexOf(meta.Tiers, tier) is var first and >= 0) picked.Add(first);
        var images = picked.Select(t => meta.FrameImageId[t]).ToHashSet();
        for (int t = 0; t < meta.TrialCount && picked.Count < count; t++)
            if (meta.Tiers[t] == Tier.Train && images.Add(meta.FrameImageId[t])) picked.Add(t);
        return picked.Take(count).Order();
    }

    static ExampleStimulus Example(SensoriumMouse mouse, int trial)
    {
        var image = mouse.ReadImage(trial); // (1, H, W)
        int height = image.Shape[1], width = image.Shape[2];
        var pixels = new byte[height * width];
        if (image.DType == NpyDType.UInt8) image.Data.AsSpan(0, pixels.Length).CopyTo(pixels);
        else
        {
            var values = image.ToFloat32();
            float scale = values.Max() <= 1.0f ? 255f : 1f; // images in 0..1 or in 0..255
            for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)Math.Clamp(MathF.Round(values[i] * scale), 0, 255);
        }
        return new ExampleStimulus(trial, mouse.Meta.Tiers[trial].ToOfficialString(), mouse.Meta.FrameImageId[trial],
            GrayPng.DataUrl(GrayPng.Encode(pixels, width, height)));
    }
}
