using static TorchSharp.torch;

namespace Sensorium.Training;

/// <summary>
/// The training-time validation measure of the starter kit (<c>get_correlations</c>): per-neuron Pearson correlation
/// over trials with population std + 1e-8 (neuralpredictors <c>corr</c>). The reference then sets NaN to 0 with a
/// warning; here a NaN stays NaN (it only arises from non-finite predictions, which the trainer reports as a
/// divergence), so a broken model never shows a validation score of 0. Computed on the device in
/// float64 so predictions never leave it; the submission-grade evaluator lives in Sensorium.Data.Metrics.
/// </summary>
internal static class Correlation
{
    /// <param name="predictions">(T,N)</param>
    /// <param name="targets">(T,N)</param>
    /// <returns>(N,) float64 on the CPU.</returns>
    public static double[] PerNeuron(Tensor predictions, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var p = predictions.to_type(ScalarType.Float64);
        var t = targets.to_type(ScalarType.Float64);
        var zp = (p - p.mean([0], keepdim: true)) / (p.std([0], unbiased: false, keepdim: true) + 1e-8);
        var zt = (t - t.mean([0], keepdim: true)) / (t.std([0], unbiased: false, keepdim: true) + 1e-8);
        var r = (zp * zt).mean([0]).cpu();
        return r.data<double>().ToArray();
    }
}
