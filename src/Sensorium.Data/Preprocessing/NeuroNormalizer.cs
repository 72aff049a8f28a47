using Sensorium.Data.Format;

namespace Sensorium.Data.Preprocessing;

/// <summary>
/// The loader's NeuroNormalizer with stats_source "all" (neuralpredictors 0.3.0, data/transforms.py), in double:
/// <list type="bullet">
/// <item>images: (x − mean) / std with the scalar images/all statistics;</item>
/// <item>responses: x · precision_j, precision_j = 1/std_j, except std_j ≤ 0.01·nanmean(std) (or NaN), which get
/// 1/(0.01·nanmean(std)); no mean subtraction — the units of the ground truth and of submissions;</item>
/// <item>behavior: x · (1/std), no mean subtraction (a zero std gives an infinite precision, as in the reference);</item>
/// <item>pupil_center: (x − mean) / std.</item>
/// </list>
/// </summary>
public sealed class NeuroNormalizer
{
    /// <summary>Fraction of the mean response std under which a neuron's std is replaced (the "1% floor").</summary>
    public const double ResponseStdFloorFraction = 0.01;

    public NeuroNormalizer(MouseStatistics statistics)
    {
        ImageMean = statistics.Images.Mean[0];
        ImageStd = statistics.Images.Std[0];
        ResponsePrecision = ComputeResponsePrecision(statistics.Responses.Std);
        BehaviorPrecision = statistics.Behavior.Std.Select(s => 1.0 / s).ToArray();
        PupilCenterMean = (double[])statistics.PupilCenter.Mean.Clone();
        PupilCenterStd = (double[])statistics.PupilCenter.Std.Clone();
    }

    public double ImageMean { get; }
    public double ImageStd { get; }

    /// <summary>Per-neuron factor from raw to normalized response units (divide by it to go back).</summary>
    public double[] ResponsePrecision { get; }

    /// <summary>1/std of each behaviour variable.</summary>
    public double[] BehaviorPrecision { get; }

    public double[] PupilCenterMean { get; }
    public double[] PupilCenterStd { get; }

    /// <summary>precision_j = 1/std_j, or 1/threshold where std_j ≤ threshold = 0.01·nanmean(std) (NaN std included).</summary>
    public static double[] ComputeResponsePrecision(IReadOnlyList<double> std)
    {
        double sum = 0;
        int count = 0;
        foreach (double s in std)
            if (!double.IsNaN(s)) { sum += s; count++; }
        double threshold = ResponseStdFloorFraction * (sum / count);
        var precision = new double[std.Count];
        for (int j = 0; j < precision.Length; j++)
            precision[j] = std[j] > threshold ? 1.0 / std[j] : 1.0 / threshold;
        return precision;
    }

    public double NormalizeImage(double x) => (x - ImageMean) / ImageStd;

    public void NormalizeResponses(ReadOnlySpan<float> raw, Span<float> normalized)
    {
        CheckLength(raw.Length, normalized.Length, ResponsePrecision.Length);
        for (int j = 0; j < raw.Length; j++) normalized[j] = (float)(raw[j] * ResponsePrecision[j]);
    }

    /// <summary>Back from normalized to raw response units (x / precision).</summary>
    public void DenormalizeResponses(ReadOnlySpan<float> normalized, Span<float> raw)
    {
        CheckLength(normalized.Length, raw.Length, ResponsePrecision.Length);
        for (int j = 0; j < raw.Length; j++) raw[j] = (float)(normalized[j] / ResponsePrecision[j]);
    }

    public void NormalizeBehavior(ReadOnlySpan<float> raw, Span<float> normalized)
    {
        CheckLength(raw.Length, normalized.Length, BehaviorPrecision.Length);
        for (int k = 0; k < raw.Length; k++) normalized[k] = (float)(raw[k] * BehaviorPrecision[k]);
    }

    public void NormalizePupilCenter(ReadOnlySpan<float> raw, Span<float> normalized)
    {
        CheckLength(raw.Length, normalized.Length, PupilCenterMean.Length);
        for (int k = 0; k < raw.Length; k++) normalized[k] = (float)((raw[k] - PupilCenterMean[k]) / PupilCenterStd[k]);
    }

    private static void CheckLength(int from, int to, int expected)
    {
        if (from != expected || to != expected) throw new ArgumentException($"expected spans of length {expected}, got {from} and {to}");
    }
}
