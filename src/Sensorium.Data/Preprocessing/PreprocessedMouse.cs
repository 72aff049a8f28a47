using Sensorium.Data.Format;

namespace Sensorium.Data.Preprocessing;

/// <summary>
/// One mouse after the loader's preprocessing (NeuroNormalizer → ScaleInputs), held once in compact contiguous
/// float32 arrays, trial-major in file order:
/// <list type="bullet">
/// <item><see cref="Images"/> (T, 1, H, W): normalized, rescaled image (H×W = 36×64 at scale 0.25);</item>
/// <item><see cref="Responses"/> (T, N): responses × precision (normalized units);</item>
/// <item><see cref="Behavior"/> (T, 3): behaviour ÷ std; <see cref="PupilCenter"/> (T, 2): z-scored pupil centre.</item>
/// </list>
/// The Sensorium+ behaviour channels are stored implicitly: they are constant planes holding the normalized behaviour
/// (rescaling keeps a constant plane constant), so <see cref="FillInputs"/> writes them into the batch on demand
/// instead of keeping 3 extra planes per trial. Immutable after load; safe to read from several threads.
/// </summary>
public sealed class PreprocessedMouse
{
    internal PreprocessedMouse(string dataKey, string source, double scale, ImageShape sourceImageShape, int height, int width,
        float[] images, float[] responses, float[] behavior, float[] pupilCenter,
        MouseMeta meta, MouseStatistics statistics, NeuroNormalizer normalizer)
    {
        DataKey = dataKey;
        Source = source;
        Scale = scale;
        SourceImageShape = sourceImageShape;
        Height = height;
        Width = width;
        Images = images;
        Responses = responses;
        Behavior = behavior;
        PupilCenter = pupilCenter;
        Meta = meta;
        Statistics = statistics;
        Normalizer = normalizer;
        _tiers = Tiers.All.ToDictionary(t => t, meta.TrialsOf);
    }

    private readonly Dictionary<Tier, int[]> _tiers;

    public string DataKey { get; }

    /// <summary>The folder or zip it was loaded from.</summary>
    public string Source { get; }

    /// <summary>The ScaleInputs factor (0.25 for the baselines; 1 = native resolution).</summary>
    public double Scale { get; }

    /// <summary>The stored image shape, (1, 144, 256) in the release.</summary>
    public ImageShape SourceImageShape { get; }

    public int TrialCount => Meta.TrialCount;
    public int NeuronCount => Meta.NeuronCount;

    /// <summary>Image height and width after rescaling.</summary>
    public int Height { get; }
    public int Width { get; }

    /// <summary>(T, 1, H, W) normalized, rescaled images.</summary>
    public float[] Images { get; }

    /// <summary>(T, N) responses in normalized units (raw × <see cref="ResponsePrecision"/>).</summary>
    public float[] Responses { get; }

    /// <summary>(T, 3) behaviour ÷ std: dilation, its derivative, running speed.</summary>
    public float[] Behavior { get; }

    /// <summary>(T, 2) z-scored pupil centre: horizontal, vertical.</summary>
    public float[] PupilCenter { get; }

    public MouseMeta Meta { get; }
    public MouseStatistics Statistics { get; }
    public NeuroNormalizer Normalizer { get; }

    /// <summary>Per-neuron factor from raw to normalized response units; divide predictions by it to get raw units.</summary>
    public double[] ResponsePrecision => Normalizer.ResponsePrecision;

    /// <summary>Trial indices of a tier, ascending (the order of the official sequential sampler).</summary>
    public IReadOnlyList<int> TrialsOf(Tier tier) => _tiers[tier];

    /// <summary>Bytes held by the four arrays.</summary>
    public long ArrayBytes => 4L * (Images.LongLength + Responses.LongLength + Behavior.LongLength + PupilCenter.LongLength);

    public int PlaneSize => Height * Width;

    public ReadOnlySpan<float> Image(int trial) => Images.AsSpan(trial * PlaneSize, PlaneSize);
    public ReadOnlySpan<float> ResponsesOf(int trial) => Responses.AsSpan(trial * NeuronCount, NeuronCount);
    public ReadOnlySpan<float> BehaviorOf(int trial) => Behavior.AsSpan(trial * SensoriumMouse.BehaviorLength, SensoriumMouse.BehaviorLength);
    public ReadOnlySpan<float> PupilCenterOf(int trial) => PupilCenter.AsSpan(trial * SensoriumMouse.PupilCenterLength, SensoriumMouse.PupilCenterLength);

    /// <summary>Input channels of a batch: 1 (image), or 4 with the behaviour channels (Sensorium+).</summary>
    public static int InputChannels(bool behaviorAsChannels) => behaviorAsChannels ? 1 + SensoriumMouse.BehaviorLength : 1;

    /// <summary>
    /// Writes the inputs of <paramref name="trials"/> as a (B, C, H, W) batch, C = 1, or 4 when
    /// <paramref name="behaviorAsChannels"/>: channel 0 the image, channels 1–3 constant planes of the normalized
    /// behaviour (AddBehaviorAsChannels).
    /// </summary>
    public void FillInputs(ReadOnlySpan<int> trials, Span<float> batch, bool behaviorAsChannels)
    {
        int c = InputChannels(behaviorAsChannels), plane = PlaneSize;
        Require(batch.Length, trials.Length * c * plane, $"({trials.Length}, {c}, {Height}, {Width})");
        for (int b = 0; b < trials.Length; b++)
        {
            var dst = batch.Slice(b * c * plane, c * plane);
            Image(trials[b]).CopyTo(dst);
            if (!behaviorAsChannels) continue;
            var beh = BehaviorOf(trials[b]);
            for (int k = 0; k < beh.Length; k++) dst.Slice((1 + k) * plane, plane).Fill(beh[k]);
        }
    }

    /// <summary>Writes the (B, N) normalized responses of <paramref name="trials"/>.</summary>
    public void FillResponses(ReadOnlySpan<int> trials, Span<float> batch) => Gather(Responses, NeuronCount, trials, batch);

    /// <summary>Writes the (B, 3) normalized behaviour of <paramref name="trials"/>.</summary>
    public void FillBehavior(ReadOnlySpan<int> trials, Span<float> batch) => Gather(Behavior, SensoriumMouse.BehaviorLength, trials, batch);

    /// <summary>Writes the (B, 2) z-scored pupil centre of <paramref name="trials"/>.</summary>
    public void FillPupilCenter(ReadOnlySpan<int> trials, Span<float> batch) => Gather(PupilCenter, SensoriumMouse.PupilCenterLength, trials, batch);

    private static void Gather(float[] source, int width, ReadOnlySpan<int> trials, Span<float> batch)
    {
        Require(batch.Length, trials.Length * width, $"({trials.Length}, {width})");
        for (int b = 0; b < trials.Length; b++) source.AsSpan(trials[b] * width, width).CopyTo(batch.Slice(b * width, width));
    }

    private static void Require(int actual, int expected, string shape)
    {
        if (actual != expected) throw new ArgumentException($"batch holds {actual} floats, expected {expected} = {shape}");
    }
}
