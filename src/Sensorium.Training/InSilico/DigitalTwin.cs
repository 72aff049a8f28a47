using Sensorium.Data;
using Sensorium.Data.Format;
using Sensorium.Data.Preprocessing;
using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Training.InSilico;

/// <summary>
/// A trained run's model of one mouse, or an ensemble's (the mean of its members' models), used as an in-silico
/// population: images (B,1,H,W) in the model's normalized units (z-scored, so 0 is the mean grey) → predicted responses
/// (B,N). Where a model also takes behaviour channels or a pupil centre (Sensorium+), they are held at their train-tier
/// means, so that only the image varies. An ensemble's response is the mean of its members' responses, and gradients
/// flow through every member; the members are loaded once and stay loaded.
/// </summary>
public sealed class DigitalTwin : IModelPopulation, IDisposable
{
    /// <summary>One model: its predictor, the mouse as its preprocessing sees it, and its fixed non-image inputs.</summary>
    private sealed record Member(string Dir, Predictor Predictor, PreprocessedMouse Mouse, Tensor? Behavior, Tensor? Pupil);

    private readonly IReadOnlyList<Member> _members;

    private DigitalTwin(IReadOnlyList<Member> members, bool isEnsemble)
    {
        _members = members;
        IsEnsemble = isEnsemble;
        Mouse = members[0].Mouse;
        PixelMin = (float)Mouse.Normalizer.NormalizeImage(0);
        PixelMax = (float)Mouse.Normalizer.NormalizeImage(255);
    }

    private static Member NewMember(string dir, Predictor predictor, PreprocessedMouse mouse)
    {
        // Experiments differentiate with respect to the image only.
        foreach (var p in predictor.Model.parameters()) p.requires_grad_(false);
        var train = mouse.TrialsOf(Tier.Train);
        var behavior = predictor.Spec.Dataset.BehaviorChannels ? Mean(mouse.Behavior, 3, train).to(predictor.Device) : null;
        var pupil = predictor.Model.HasShifter ? Mean(mouse.PupilCenter, 2, train).to(predictor.Device) : null;
        return new Member(dir, predictor, mouse, behavior, pupil);
    }

    /// <summary>The mouse as the (first) model's preprocessing sees it: its trials, neurons and normalization.</summary>
    public PreprocessedMouse Mouse { get; }
    public string DataKey => Mouse.DataKey;
    public int Height => Mouse.Height;
    public int Width => Mouse.Width;
    public int Neurons => Mouse.NeuronCount;
    public Device Device => _members[0].Predictor.Device;
    /// <summary>True for an ensemble folder's twin (the mean of <see cref="MemberDirs"/>).</summary>
    public bool IsEnsemble { get; }
    /// <summary>The run folders whose models respond (one for a run).</summary>
    public IReadOnlyList<string> MemberDirs => _members.Select(m => m.Dir).ToList();
    /// <summary>The normalized values of black (0) and white (255) pixels: the range a real screen can show.</summary>
    public float PixelMin { get; }
    public float PixelMax { get; }

    /// <summary>
    /// Loads a finished run (its model.pth), or an ensemble folder (ensemble.json: every member's model), with the
    /// mouse <paramref name="dataKey"/> (default: the first) read from <paramref name="dataPath"/> (default: the
    /// run's or the ensemble's dataset). Ensemble members must see the same input size and normalization (an error
    /// names the member otherwise); a member with another image scale is refused, as its images differ in size.
    /// </summary>
    public static DigitalTwin Load(string runDir, string? dataPath = null, string? dataKey = null, string device = "auto",
        Action<string>? log = null, CancellationToken cancel = default)
    {
        var folder = ModelFolder.Open(runDir);
        var dataSpec = folder.DataSpec(dataPath);
        var mice = DatasetLoader.Load(dataSpec, log, cancel);
        var mouse = dataKey is null ? mice[0] : mice.FirstOrDefault(m => m.DataKey == dataKey)
            ?? throw new DataFormatException(runDir, $"the {(folder.IsEnsemble ? "ensemble" : "run")} has no mouse {dataKey} (it has {string.Join(", ", mice.Select(m => m.DataKey))})");
        var members = new List<Member>();
        try
        {
            foreach (string dir in folder.Members)
            {
                cancel.ThrowIfCancellationRequested();
                var memberSpec = Checkpoint.ReadSpec(dir);
                if (memberSpec.Dataset.Scale != dataSpec.Scale)
                    throw new DataFormatException(dir, $"the member sees images at scale {memberSpec.Dataset.Scale}, the ensemble's first member at {dataSpec.Scale}: in-silico experiments need one input size for all members");
                var predictor = Predictor.Load(dir, mice, device);
                members.Add(NewMember(dir, predictor, mouse));
                if (folder.IsEnsemble) log?.Invoke($"loaded member {dir}");
            }
        }
        catch
        {
            foreach (var m in members) Dispose(m);
            throw;
        }
        return new DigitalTwin(members, folder.IsEnsemble);
    }

    private static Tensor Mean(float[] rows, int width, IReadOnlyList<int> trials)
    {
        var mean = new float[width];
        foreach (int t in trials) for (int c = 0; c < width; c++) mean[c] += rows[t * width + c];
        for (int c = 0; c < width; c++) mean[c] /= Math.Max(1, trials.Count);
        return tensor(mean, [1, width]);
    }

    /// <summary>Predicted responses (B,N) to images (B,1,H,W) on <see cref="Device"/>; differentiable. An ensemble's: the members' mean.</summary>
    public Tensor Respond(Tensor images)
    {
        using var scope = NewDisposeScope();
        Tensor? sum = null;
        foreach (var member in _members)
        {
            var r = RespondOf(member, images);
            sum = sum is null ? r : sum + r;
        }
        var mean = _members.Count == 1 ? sum! : sum! / _members.Count;
        return mean.MoveToOuterDisposeScope();
    }

    /// <summary>One member's responses (B,N): for tests and for comparing an ensemble with its members.</summary>
    public Tensor RespondOfMember(int member, Tensor images)
    {
        using var scope = NewDisposeScope();
        return RespondOf(_members[member], images).MoveToOuterDisposeScope();
    }

    private Tensor RespondOf(Member member, Tensor images)
    {
        long b = images.shape[0];
        var input = images;
        if (member.Behavior is not null)
        {
            var planes = member.Behavior.view(1, 3, 1, 1).expand(b, 3, Height, Width);
            input = cat([images, planes], 1);
        }
        var pupil = member.Pupil?.expand(b, 2);
        return member.Predictor.Model.call(input, DataKey, pupil);
    }

    /// <summary>
    /// Predictions for every trial of a tier (ascending trial order) with the recorded behaviour: the model's, or the
    /// mean of the members'. A non-finite member prediction is an error naming the member.
    /// </summary>
    public (int[] Trials, float[] Predictions) PredictTier(Tier tier)
    {
        int[] trials = [.. Mouse.TrialsOf(tier)];
        if (trials.Length == 0) return (trials, []);
        double[]? sum = null;
        foreach (var member in _members)
        {
            var (_, p) = member.Predictor.PredictTier(member.Mouse, tier);
            if (IsEnsemble && Array.FindIndex(p, x => !float.IsFinite(x)) is var bad and >= 0)
                throw new DataFormatException(member.Dir, $"mouse {DataKey}: non-finite prediction {p[bad]}: the ensemble's mean would be undefined");
            sum ??= new double[p.Length];
            if (p.Length != sum.Length) throw new DataFormatException(member.Dir, $"mouse {DataKey}: {p.Length} predictions, the first member made {sum.Length}");
            for (int i = 0; i < p.Length; i++) sum[i] += p[i];
        }
        return (trials, Array.ConvertAll(sum!, x => (float)(x / _members.Count)));
    }

    private static void Dispose(Member m)
    {
        m.Behavior?.Dispose();
        m.Pupil?.Dispose();
        m.Predictor.Dispose();
    }

    public void Dispose()
    {
        foreach (var m in _members) Dispose(m);
    }
}

/// <summary>
/// What the experiments need of a model: images (B,1,H,W) in normalized units on <see cref="Device"/> → responses
/// (B,N), differentiable with respect to the images. <see cref="DigitalTwin"/> is a trained run or an ensemble; tests also use
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
