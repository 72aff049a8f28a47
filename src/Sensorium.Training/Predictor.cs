using Sensorium.Data.Format;
using Sensorium.Data.Preprocessing;
using Sensorium.Models;
using Sensorium.Models.Encoders;
using static TorchSharp.torch;

namespace Sensorium.Training;

/// <summary>A trained run's model, ready to predict responses (normalized units, as the ground truth files).</summary>
public sealed class Predictor : IDisposable
{
    private Predictor(RunSpec spec, FiringRateEncoder model, Device device)
    {
        Spec = spec;
        Model = model;
        Device = device;
    }

    private readonly Dictionary<string, DeviceData> _uploaded = new(StringComparer.Ordinal);

    public RunSpec Spec { get; }
    public FiringRateEncoder Model { get; }
    public Device Device { get; }

    /// <summary>Rebuilds the model of <paramref name="runDir"/> from its spec and loads its final weights (model.pth).</summary>
    public static Predictor Load(string runDir, IReadOnlyList<PreprocessedMouse> mice, string device = "auto")
    {
        var spec = Checkpoint.ReadSpec(runDir);
        string weights = Path.Combine(runDir, Checkpoint.ModelFile);
        if (!File.Exists(weights)) throw new Sensorium.Data.DataFormatException(weights, "not found: the run has not finished training (no model.pth)");
        var dev = TorchDevice.Resolve(device);
        var neurons = mice.Select(m => { var t = DatasetLoader.ForTraining(m); return MouseNeurons.FromCortex(m.DataKey, t.CorticalX, t.CorticalY); }).ToList();
        var model = ModelBuilder.Build(spec.Model, neurons, dev, (ulong)spec.Seed);
        try { Checkpoint.LoadWeights(model, weights); }
        catch { model.Dispose(); throw; }
        model.eval();
        return new Predictor(spec, model, dev);
    }

    /// <summary>Predictions (trials × neurons, row-major) for the given trials of a mouse, in eval mode.</summary>
    public float[] Predict(PreprocessedMouse mouse, int[] trials, int batchSize = 128)
    {
        // Upload each mouse once per predictor: a submission predicts two tiers of the same mouse.
        if (!_uploaded.TryGetValue(mouse.DataKey, out var data))
            _uploaded[mouse.DataKey] = data = new DeviceData(DatasetLoader.ForTraining(mouse), Device, Spec.Dataset.BehaviorChannels, Spec.Dataset.PupilCenter);
        using var predictions = Inference.Predict(Model, data, trials, batchSize); // (T,N)
        using var cpu = predictions.cpu();
        return cpu.data<float>().ToArray();
    }

    /// <summary>Predictions for every trial of a tier, in ascending trial order.</summary>
    public (int[] Trials, float[] Predictions) PredictTier(PreprocessedMouse mouse, Tier tier, int batchSize = 128)
    {
        int[] trials = [.. mouse.TrialsOf(tier)];
        return (trials, trials.Length == 0 ? [] : Predict(mouse, trials, batchSize));
    }

    public void Dispose()
    {
        foreach (var d in _uploaded.Values) d.Dispose();
        Model.Dispose();
    }
}
