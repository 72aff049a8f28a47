using System.Runtime.InteropServices;

namespace Sensorium.Data.Metrics;

/// <summary>
/// The official Sensorium 2022 metrics (sensorium utility/metrics.py <c>Metrics</c>, as run by
/// utility/eval.py <c>evaluate</c>), computed in double for one mouse and one tier.
/// Inputs are (trials × neurons) ground-truth responses R and predictions P in normalized-response units, and the
/// image id of every trial; images are the sorted unique ids with however many repeats each has.
/// <list type="bullet">
/// <item>single-trial correlation: mean over all neurons of corr_j(P[:, j], R[:, j]) over all trials;</item>
/// <item>correlation to average: the same over images, after averaging R and P over each image's repeats;</item>
/// <item>FEVE: total = var over trials (ddof 1); noise = mean over images of var over repeats (ddof 1);
/// FEV = (total − noise) / total; MSE = mean over trials of (R − P)²; FEVE = 1 − (MSE − noise) / (total − noise);
/// averaged over the neurons with FEV ≥ 0.15 (the others are dropped, not zeroed).</item>
/// </list>
/// NaN is not replaced (an image with a single repeat makes the noise variance NaN, as in numpy).
/// Cost: two sweeps over the rows plus two over the images; memory O(images × neurons).
/// </summary>
public static class SensoriumMetrics
{
    /// <summary>The official <c>fev_threshold</c>.</summary>
    public const double FevThreshold = 0.15;

    public static MetricsResult Compute(double[,] responses, double[,] predictions, ReadOnlySpan<long> imageIds, double fevThreshold = FevThreshold)
    {
        Correlation.CheckSameShape(responses, predictions);
        if (imageIds.Length != responses.GetLength(0))
            throw new ArgumentException($"{imageIds.Length} image ids for {responses.GetLength(0)} trials");
        return Compute(Correlation.Flat(responses), Correlation.Flat(predictions), responses.GetLength(1),
            ImageGroups.FromImageIds(imageIds), fevThreshold);
    }

    /// <summary>The metrics from row-major (trials × neurons) spans.</summary>
    public static MetricsResult Compute(ReadOnlySpan<double> responses, ReadOnlySpan<double> predictions, int neurons,
        ImageGroups groups, double fevThreshold = FevThreshold)
    {
        var perNeuron = PerNeuron(responses, predictions, neurons, groups);
        int[] passing = perNeuron.PassingFev(fevThreshold);
        double feve = Statistics.Mean(passing.Select(j => perNeuron.Feve[j]).ToArray());
        return new MetricsResult(
            Statistics.Mean(perNeuron.SingleTrialCorrelation),
            Statistics.Mean(perNeuron.CorrelationToAverage),
            feve, passing.Length, perNeuron);
    }

    /// <summary>All per-neuron values in one go (two sweeps over the trial rows).</summary>
    // Hot loop of a one-shot command: compile fully optimized at once (no tier-0 first pass).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static NeuronMetrics PerNeuron(ReadOnlySpan<double> responses, ReadOnlySpan<double> predictions, int neurons, ImageGroups groups)
    {
        int n = groups.Trials, m = neurons, images = groups.Images;
        if (responses.Length != (long)n * m || predictions.Length != responses.Length)
            throw new ArgumentException($"expected {n}×{m} values, got {responses.Length} and {predictions.Length}");

        // Sweep 1: overall and per-image sums.
        var meanR = new double[m];
        var meanP = new double[m];
        var imageR = new double[images * m];   // (images, neurons)
        var imageP = new double[images * m];   // (images, neurons)
        for (int t = 0; t < n; t++)
        {
            var r = responses.Slice(t * m, m);
            var p = predictions.Slice(t * m, m);
            int k = groups.GroupOfTrial[t];
            Statistics.Add(meanR, r);
            Statistics.Add(meanP, p);
            Statistics.Add(imageR.AsSpan(k * m, m), r);
            Statistics.Add(imageP.AsSpan(k * m, m), p);
        }
        Statistics.Divide(meanR, n);
        Statistics.Divide(meanP, n);
        for (int k = 0; k < images; k++)
        {
            Statistics.Divide(imageR.AsSpan(k * m, m), groups.Repeats[k]);
            Statistics.Divide(imageP.AsSpan(k * m, m), groups.Repeats[k]);
        }

        // Sweep 2: centred co-moments, the per-image (ddof 1) variance averaged over images, and the squared error.
        var srr = new double[m];
        var spp = new double[m];
        var srp = new double[m];
        var imageSquares = new double[images * m];   // (images, neurons): Σ over repeats of (R − image mean)²
        var squaredError = new double[m];
        for (int t = 0; t < n; t++)
        {
            var r = responses.Slice(t * m, m);
            var p = predictions.Slice(t * m, m);
            int k = groups.GroupOfTrial[t];
            var mr = imageR.AsSpan(k * m, m);
            var sq = imageSquares.AsSpan(k * m, m);
            for (int j = 0; j < m; j++)
            {
                double dr = r[j] - meanR[j], dp = p[j] - meanP[j];
                srr[j] += dr * dr;
                spp[j] += dp * dp;
                srp[j] += dr * dp;
                double di = r[j] - mr[j];
                sq[j] += di * di;
                double e = r[j] - p[j];
                squaredError[j] += e * e;
            }
        }

        // noise = mean over images of var(repeats, ddof 1); an image with one repeat gives 0/0 = NaN, as numpy does.
        var noise = new double[m];
        for (int k = 0; k < images; k++)
        {
            var sq = imageSquares.AsSpan(k * m, m);
            double ddof1 = groups.Repeats[k] - 1;
            for (int j = 0; j < m; j++) noise[j] += sq[j] / ddof1;
        }
        Statistics.Divide(noise, images);

        double[] singleTrial = Correlation.FromMoments(srr, spp, srp, n);
        double[] toAverage = Correlation.PerColumn(imageR, imageP, images, m);
        var fev = new double[m];
        var feve = new double[m];
        for (int j = 0; j < m; j++)
        {
            double total = srr[j] / (n - 1);
            double mse = squaredError[j] / n;
            fev[j] = (total - noise[j]) / total;
            feve[j] = 1 - (mse - noise[j]) / (total - noise[j]);
        }
        return new NeuronMetrics(singleTrial, toAverage, fev, feve);
    }

    /// <summary>A float32 matrix (as models output) widened to double.</summary>
    public static double[,] ToDouble(float[,] m)
    {
        var d = new double[m.GetLength(0), m.GetLength(1)];
        var src = m.Length == 0 ? ReadOnlySpan<float>.Empty : MemoryMarshal.CreateReadOnlySpan(ref m[0, 0], m.Length);
        var dst = d.Length == 0 ? Span<double>.Empty : MemoryMarshal.CreateSpan(ref d[0, 0], d.Length);
        for (int i = 0; i < src.Length; i++) dst[i] = src[i];
        return d;
    }
}
