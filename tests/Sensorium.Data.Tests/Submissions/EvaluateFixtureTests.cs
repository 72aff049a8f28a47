using Sensorium.Data.Metrics;
using Sensorium.Data.Submissions;
using static Sensorium.Data.Tests.Submissions.SubmissionFixtures;

namespace Sensorium.Data.Tests.Submissions;

/// <summary>The official <c>evaluate(submission_csv, ground_truth_csv)</c> reproduced from the fixture CSVs.</summary>
public class EvaluateFixtureTests
{
    private const double Tolerance = 1e-9;

    private static SubmissionScore Evaluate(string submission, string truth)
    {
        var gt = GroundTruthCsv.Read(TestPaths.Official(truth), "fake-mouse", SubmissionTiers.LiveTest);
        return SubmissionScorer.Score(TestPaths.Official(submission), gt);
    }

    private static double[] Three(MetricsResult m) => [m.SingleTrialCorrelation, m.CorrelationToAverage, m.Feve];

    [Fact]
    public void Hash_trial_ids_reproduce_evaluate()
    {
        var s = Evaluate("metrics_submission_file_live_test.csv", "metrics_ground_truth_file_test.csv");
        Assert.True(s.Report.Valid, s.Report.ToString());
        Assert.Equal(392, s.Report.Rows);
        Assert.Equal(50, s.Report.Neurons);
        Metrics.SensoriumMetricsTests.AssertClose(Doubles("metrics_scores_evaluate.npy"), Three(s.Metrics!), Tolerance);
    }

    [Fact]
    public void Integer_trial_ids_reproduce_evaluate()
    {
        var s = Evaluate("metrics_int_submission.csv", "metrics_int_ground_truth.csv");
        Assert.True(s.Report.Valid, s.Report.ToString());
        Metrics.SensoriumMetricsTests.AssertClose(Doubles("metrics_int_scores_evaluate.npy"), Three(s.Metrics!), Tolerance);
    }

    [Fact]
    public void Per_neuron_values_from_the_csvs_equal_official()
    {
        var p = Evaluate("metrics_submission_file_live_test.csv", "metrics_ground_truth_file_test.csv").Metrics!.PerNeuron;
        Metrics.SensoriumMetricsTests.AssertClose(Doubles("metrics_per_neuron_single_trial_corr.npy"), p.SingleTrialCorrelation);
        Metrics.SensoriumMetricsTests.AssertClose(Doubles("metrics_per_neuron_corr_to_avg.npy"), p.CorrelationToAverage);
        Metrics.SensoriumMetricsTests.AssertClose(Doubles("metrics_per_neuron_fev.npy"), p.Fev);
        Metrics.SensoriumMetricsTests.AssertClose(Doubles("metrics_per_neuron_feve_thresholded.npy"), p.FeveThresholded());
    }

    [Fact]
    public void Ground_truth_csv_equals_the_npy_arrays()
    {
        var csv = GroundTruthCsv.Read(TestPaths.Official("metrics_ground_truth_file_test.csv"), "fake-mouse", "test");
        var npy = Truth();
        Assert.Equal(npy.Target.TrialIds, csv.Target.TrialIds);
        Assert.Equal(npy.Target.ImageIds, csv.Target.ImageIds);
        Assert.Equal(npy.Target.NeuronIds, csv.Target.NeuronIds);
        Assert.Equal(npy.Responses, csv.Responses);
    }

    [Fact]
    public void Writer_reproduces_the_official_submission_file_byte_for_byte()
    {
        var (target, predictions) = SubmissionOrder();
        using var written = new MemoryStream();
        // float32 predictions widened to double are what pandas wrote (Python floats of float32 values).
        SubmissionWriter.Write(written, target, SensoriumMetrics.ToDouble(predictions));
        Assert.Equal(File.ReadAllBytes(TestPaths.Official("metrics_submission_file_live_test.csv")), written.ToArray());
    }

    [Fact]
    public void Ground_truth_writer_reproduces_the_official_ground_truth_file()
    {
        using var written = new MemoryStream();
        SubmissionWriter.WriteGroundTruth(written, Truth());
        Assert.Equal(File.ReadAllText(TestPaths.Official("metrics_ground_truth_file_test.csv")), System.Text.Encoding.UTF8.GetString(written.ToArray()));
    }
}
