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

    /// <summary>corr = mean(z_a·z_b), z = (x − mean)/(std + 1e-8), std with ddof 0 — the evaluator's definition.</summary>
    public static double Correlation(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n = a.Length;
        double ma = 0, mb = 0;
        for (int i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
        ma /= n; mb /= n;
        double va = 0, vb = 0, cov = 0;
        for (int i = 0; i < n; i++) { double da = a[i] - ma, db = b[i] - mb; va += da * da; vb += db * db; cov += da * db; }
        double sa = Math.Sqrt(va / n) + 1e-8, sb = Math.Sqrt(vb / n) + 1e-8;
        return cov / n / (sa * sb);
    }
}
