namespace Sensorium.Data.Synthetic;

/// <summary>
/// The official single-trial correlation and correlation to average (SENSORIUM.md §4: population std, eps 1e-8, mean
/// over neurons), used here to report how well the ground truth's expected responses predict the noisy ones.
/// </summary>
public static class OracleScoring
{
    /// <summary>Mean over neurons of the per-neuron correlation along trials; matrices are trials × neurons, row-major.</summary>
    public static double SingleTrial(float[] prediction, float[] responses, int trials, int neurons)
    {
        double total = 0;
        var p = new double[trials];
        var r = new double[trials];
        for (int j = 0; j < neurons; j++)
        {
            for (int t = 0; t < trials; t++) { p[t] = prediction[t * neurons + j]; r[t] = responses[t * neurons + j]; }
            total += Correlation(p, r);
        }
        return total / neurons;
    }

    /// <summary>Mean over neurons of the correlation of per-image means (images grouped by <paramref name="imageIds"/>).</summary>
    public static double ToAverage(float[] prediction, float[] responses, long[] imageIds, int neurons)
    {
        var groups = imageIds.Select((id, t) => (id, t)).GroupBy(x => x.id).OrderBy(g => g.Key).Select(g => g.Select(x => x.t).ToArray()).ToArray();
        var p = new double[groups.Length];
        var r = new double[groups.Length];
        double total = 0;
        for (int j = 0; j < neurons; j++)
        {
            for (int k = 0; k < groups.Length; k++)
            {
                double sp = 0, sr = 0;
                foreach (int t in groups[k]) { sp += prediction[t * neurons + j]; sr += responses[t * neurons + j]; }
                p[k] = sp / groups[k].Length;
                r[k] = sr / groups[k].Length;
            }
            total += Correlation(p, r);
        }
        return total / neurons;
    }

    /// <summary>The evaluator's correlation of two vectors (<see cref="Metrics.Correlation"/>, the one implementation).</summary>
    public static double Correlation(ReadOnlySpan<double> a, ReadOnlySpan<double> b) =>
        Metrics.Correlation.PerColumn(a, b, a.Length, 1)[0];
}
