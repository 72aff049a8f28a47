using Sensorium.Data;
using Sensorium.Data.Format;
using Sensorium.Data.Preprocessing;
using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Training.InSilico;

/// <summary>
/// A trained run's model of one mouse, used as an in-silico population: images (B,1,H,W) in the model's normalized
/// units (z-scored, so 0 is the mean grey) → predicted responses (B,N). Where the model also takes behaviour channels
/// or a pupil centre (Sensorium+), they are held at their train-tier means, so that only the image varies.
/// </summary>
public sealed class DigitalTwin : IModelPopulation, IDisposable
{
    private readonly Predictor _predictor;
    private readonly Tensor? _behavior; // (1,3)
    private readonly Tensor? _pupil;    // (1,2)

    private DigitalTwin(Predictor predictor, PreprocessedMouse mouse)
    {
        _predictor = predictor;
        Mouse = mouse;
        // Experiments differentiate with respect to the image only.
        foreach (var p in predictor.Model.parameters()) p.requires_grad_(false);
        var train = mouse.TrialsOf(Tier.Train);
        if (predictor.Spec.Dataset.BehaviorChannels) _behavior = Mean(mouse.Behavior, 3, train).to(predictor.Device);
        if (predictor.Model.HasShifter) _pupil = Mean(mouse.PupilCenter, 2, train).to(predictor.Device);
        PixelMin = (float)mouse.Normalizer.NormalizeImage(0);
        PixelMax = (float)mouse.Normalizer.NormalizeImage(255);
    }

    public PreprocessedMouse Mouse { get; }
    public string DataKey => Mouse.DataKey;
    public int Height => Mouse.Height;
    public int Width => Mouse.Width;
    public int Neurons => Mouse.NeuronCount;
    public Device Device => _predictor.Device;
    public Predictor Predictor => _predictor;
    /// <summary>The normalized values of black (0) and white (255) pixels: the range a real screen can show.</summary>
    public float PixelMin { get; }
    public float PixelMax { get; }

    /// <summary>
    /// Loads a finished run (its model.pth) with the mouse <paramref name="dataKey"/> (default: the run's first) read
    /// from <paramref name="dataPath"/> (default: the run's dataset).
    /// </summary>
    public static DigitalTwin Load(string runDir, string? dataPath = null, string? dataKey = null, string device = "auto",
        Action<string>? log = null, CancellationToken cancel = default)
    {
        var spec = Checkpoint.ReadSpec(runDir);
        var dataSpec = dataPath is null ? spec.Dataset : spec.Dataset with { Path = dataPath };
        var mice = DatasetLoader.Load(dataSpec, log, cancel);
        var mouse = dataKey is null ? mice[0] : mice.FirstOrDefault(m => m.DataKey == dataKey)
            ?? throw new DataFormatException(runDir, $"the run has no mouse {dataKey} (it has {string.Join(", ", mice.Select(m => m.DataKey))})");
        var predictor = Predictor.Load(runDir, mice, device);
        return new DigitalTwin(predictor, mouse);
    }

    private static Tensor Mean(float[] rows, int width, IReadOnlyList<int> trials)
    {
        var mean = new float[width];
        foreach (int t in trials) for (int c = 0; c < width; c++) mean[c] += rows[t * width + c];
        for (int c = 0; c < width; c++) mean[c] /= Math.Max(1, trials.Count);
        return tensor(mean, [1, width]);
    }

    /// <summary>Predicted responses (B,N) to images (B,1,H,W) on <see cref="Device"/>; differentiable.</summary>
    public Tensor Respond(Tensor images)
    {
        long b = images.shape[0];
        using var scope = NewDisposeScope();
        var input = images;
        if (_behavior is not null)
        {
            var planes = _behavior.view(1, 3, 1, 1).expand(b, 3, Height, Width);
            input = cat([images, planes], 1);
        }
        var pupil = _pupil?.expand(b, 2);
        return _predictor.Model.call(input, DataKey, pupil).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _behavior?.Dispose();
        _pupil?.Dispose();
        _predictor.Dispose();
    }
}

/// <summary>
/// What the experiments need of a model: images (B,1,H,W) in normalized units on <see cref="Device"/> → responses
/// (B,N), differentiable with respect to the images. <see cref="DigitalTwin"/> is a trained run; tests also use
/// populations with known filters.
/// </summary>
public interface IModelPopulation
{
    int Height { get; }
    int Width { get; }
    int Neurons { get; }
    Device Device { get; }
    /// <summary>The normalized values of black and white: the range a screen can show.</summary>
    float PixelMin { get; }
    float PixelMax { get; }
    Tensor Respond(Tensor images);
}

public static class ModelPopulationExtensions
{
    /// <summary>Responses of neuron <c>neurons[i]</c> to image i: (B,) for images (B,1,H,W).</summary>
    public static Tensor RespondOf(this IModelPopulation model, Tensor images, Tensor neurons)
    {
        using var all = model.Respond(images);
        using var idx = neurons.view(-1, 1);
        using var picked = all.gather(1, idx);
        return picked.view(-1);
    }

    /// <summary>Predicted responses to host images (count × H·W, normalized units), row-major (count × N), no gradient.</summary>
    public static float[] Predict(this IModelPopulation model, float[] images, int count, int batchSize = 128, Action<int>? progress = null, CancellationToken cancel = default)
    {
        int plane = model.Height * model.Width;
        var result = new float[(long)count * model.Neurons];
        using var _ = no_grad();
        for (int first = 0; first < count; first += batchSize)
        {
            cancel.ThrowIfCancellationRequested();
            int n = Math.Min(batchSize, count - first);
            using var scope = NewDisposeScope();
            var x = tensor(images.AsSpan(first * plane, n * plane).ToArray(), [n, 1, model.Height, model.Width]).to(model.Device);
            var y = model.Respond(x).cpu();
            Array.Copy(y.data<float>().ToArray(), 0, result, (long)first * model.Neurons, (long)n * model.Neurons);
            progress?.Invoke(first + n);
        }
        InSilicoChecks.Finite(result, "predicted responses");
        return result;
    }

}

/// <summary>Non-finite numbers end an experiment with a clear message instead of silently filling plots.</summary>
public static class InSilicoChecks
{
    public static void Finite(ReadOnlySpan<float> values, string what)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) throw new InvalidOperationException($"{what}: non-finite value {values[i]} at element {i}");
    }
}
