using Sensorium.Data.Metrics;

namespace Sensorium.Data.Tests.Metrics;

/// <summary>Parity with the official Metrics class on the fake test set (MANIFEST §5).</summary>
public class SensoriumMetricsTests
{
    private const double Tolerance = 1e-9;

    private static double[,] Matrix(string file)
    {
        var a = Sensorium.Data.Npy.Npy.Read(TestPaths.Official(file));
        var flat = a.ToFloat64();
        var m = new double[a.Shape[0], a.Shape[1]];
        Buffer.BlockCopy(flat, 0, m, 0, flat.Length * sizeof(double));
        return m;
    }

    private static double[] Vector(string file) => Sensorium.Data.Npy.Npy.Read(TestPaths.Official(file)).ToFloat64();

    private static MetricsResult Official() => SensoriumMetrics.Compute(
        Matrix("metrics_gt_responses.npy"), Matrix("metrics_predictions_gt_order.npy"),
        Sensorium.Data.Npy.Npy.Read(TestPaths.Official("metrics_gt_image_ids.npy")).ToInt64());

    internal static void AssertClose(double[] expected, double[] actual, double tolerance = Tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"[{i}] expected {expected[i]:R}, got {actual[i]:R}");
    }

    [Fact]
    public void Scores_equal_official_evaluate()
    {
        var r = Official();
        AssertClose(Vector("metrics_scores_evaluate.npy"), [r.SingleTrialCorrelation, r.CorrelationToAverage, r.Feve]);
        Assert.Equal(33, r.FeveNeurons);
    }

    [Fact]
    public void Per_neuron_values_equal_official()
    {
        var p = Official().PerNeuron;
        AssertClose(Vector("metrics_per_neuron_single_trial_corr.npy"), p.SingleTrialCorrelation);
        AssertClose(Vector("metrics_per_neuron_corr_to_avg.npy"), p.CorrelationToAverage);
        AssertClose(Vector("metrics_per_neuron_fev.npy"), p.Fev);
        AssertClose(Vector("metrics_per_neuron_feve_unthresholded.npy"), p.Feve);
        AssertClose(Vector("metrics_per_neuron_feve_thresholded.npy"), p.FeveThresholded());
    }

    [Fact]
    public void Constant_prediction_correlates_exactly_zero()
    {
        var p = Official().PerNeuron;
        Assert.Equal(0.0, p.SingleTrialCorrelation[7]);
        Assert.Equal(0.0, p.CorrelationToAverage[7]);
    }

    [Fact]
    public void The_one_correlation_alone_gives_the_official_single_trial_values()
    {
        // Correlation.PerNeuron is also what the trainer validates with (Sensorium.Training.Inference); the combined
        // pass of Compute must agree with it.
        var r = Matrix("metrics_gt_responses.npy");
        var p = Matrix("metrics_predictions_gt_order.npy");
        AssertClose(Vector("metrics_per_neuron_single_trial_corr.npy"), Correlation.PerNeuron(r, p));
        var ids = Sensorium.Data.Npy.Npy.Read(TestPaths.Official("metrics_gt_image_ids.npy")).ToInt64();
        AssertClose(SensoriumMetrics.Compute(r, p, ids).PerNeuron.SingleTrialCorrelation, Correlation.PerNeuron(r, p), 1e-12);
    }

    [Fact]
    public void Image_groups_are_sorted_unique_ids_with_uneven_repeats()
    {
        var g = ImageGroups.FromImageIds([30, 10, 30, 20, 10, 30]);
        Assert.Equal([10L, 20, 30], g.ImageIds);
        Assert.Equal([2, 0, 2, 1, 0, 2], g.GroupOfTrial);
        Assert.Equal([2, 1, 3], g.Repeats);
    }

    [Fact]
    public void Single_repeat_image_makes_noise_nan_and_neuron_is_dropped()
    {
        double[,] r = { { 1 }, { 2 }, { 3 }, { 5 } };
        double[,] p = { { 1 }, { 2 }, { 2 }, { 4 } };
        var result = SensoriumMetrics.Compute(r, p, [1, 1, 2, 3]);
        Assert.True(double.IsNaN(result.PerNeuron.Fev[0]));
        Assert.Equal(0, result.FeveNeurons);
        Assert.True(double.IsNaN(result.Feve));
    }

    [Fact]
    public void Correlation_keeps_nan_and_is_symmetric()
    {
        // No NaN handling (the starter kit's get_correlations sets NaN to 0; we keep it, so that a model with
        // non-finite outputs never scores 0): a NaN anywhere in a column makes that column NaN, and only that one.
        double[,] t = { { 1, 1, 0 }, { 2, double.NaN, 1 }, { 3, 1, 0 } };
        double[,] o = { { 1, 5, 1 }, { 2, 6, 0 }, { 4, 7, 1 } };
        var r = Correlation.PerNeuron(t, o);
        Assert.True(double.IsNaN(r[1]));
        Assert.Equal(-1.0, r[2], 1e-7);
        Assert.Equal(r[0], Correlation.PerNeuron(o, t)[0]);
    }
}
