using Sensorium.Data.Metrics;
using Sensorium.Models.Encoders;
using static TorchSharp.torch;

namespace Sensorium.Training;

/// <summary>
/// The one place predictions are made: validation during training (<see cref="Validate"/>), evaluation and
/// submissions (<see cref="Predictor"/>) all call <see cref="Predict"/>, in eval mode and in batches.
/// </summary>
internal static class Inference
{
    /// <summary>Predicted responses (T,N) on the device for the given trials, in eval mode, in batches.</summary>
    public static Tensor Predict(FiringRateEncoder model, DeviceData d, int[] trials, int batchSize)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            var parts = new List<Tensor>();
            for (int start = 0; start < trials.Length; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var index = d.Index(trials[start..Math.Min(trials.Length, start + batchSize)]);
                var output = model.call(d.Inputs(index), d.Mouse.DataKey, d.Pupil(index)); // (B,N)
                parts.Add(output.MoveToOuterDisposeScope());
            }
            var all = parts.Count == 1 ? parts[0] : cat(parts, 0); // (T,N)
            if (parts.Count > 1) foreach (var p in parts) p.Dispose();
            return all;
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>
    /// Mean validation correlation per mouse, and over all neurons of all mice (the early-stopping objective).
    /// A neuron whose predictions are not finite has correlation NaN, so the mouse's mean and the objective are NaN:
    /// "not available", never 0.
    /// </summary>
    public static (Dictionary<string, double> PerMouse, double Objective) Validate(FiringRateEncoder model,
        IReadOnlyList<DeviceData> data, int batchSize)
    {
        var perMouse = new Dictionary<string, double>();
        double sum = 0;
        long count = 0;
        foreach (var d in data)
        {
            double[] r = PerNeuronCorrelation(model, d, d.Mouse.Validation, batchSize);
            perMouse[d.Mouse.DataKey] = r.Average();
            sum += r.Sum();
            count += r.Length;
        }
        return (perMouse, sum / count);
    }

    /// <summary>
    /// Single-trial correlation (N,) of the model's predictions with the recorded responses of <paramref name="trials"/>:
    /// the evaluator's correlation (<see cref="Correlation"/>, population std + 1e-8, the starter kit's
    /// <c>get_correlations</c>), on float64 copies on the host. Unlike the starter kit, a NaN (from non-finite
    /// predictions, which the trainer reports as a divergence) is kept, so a broken model never scores 0.
    /// </summary>
    public static double[] PerNeuronCorrelation(FiringRateEncoder model, DeviceData d, int[] trials, int batchSize)
    {
        using var scope = NewDisposeScope();
        using var predictions = Predict(model, d, trials, batchSize); // (T,N)
        var targets = d.Responses.index_select(0, d.Index(trials));   // (T,N)
        var (rows, columns) = ((int)predictions.shape[0], (int)predictions.shape[1]);
        using var p = predictions.to(ScalarType.Float64, CPU);
        using var t = targets.to(ScalarType.Float64, CPU);
        return Correlation.PerColumn(t.data<double>().ToArray(), p.data<double>().ToArray(), rows, columns);
    }
}
