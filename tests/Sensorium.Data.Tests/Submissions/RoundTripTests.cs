using Sensorium.Data.Metrics;
using Sensorium.Data.Submissions;
using static Sensorium.Data.Tests.Submissions.SubmissionFixtures;

namespace Sensorium.Data.Tests.Submissions;

/// <summary>writer → validator → scorer.</summary>
public class RoundTripTests
{
    private static float[,] FixturePredictionsInTruthOrder(GroundTruth truth)
    {
        var p = Sensorium.Data.Npy.Npy.Read(TestPaths.Official("metrics_predictions_gt_order.npy")).ToFloat32();
        return Matrix(p, truth.Target.Trials, truth.Target.Neurons);
    }

    [Fact]
    public void Float32_predictions_read_back_exactly()
    {
        var truth = Truth();
        var predictions = FixturePredictionsInTruthOrder(truth);
        using var dir = new TempDir();
        string path = SubmissionWriter.WriteFile(dir.Path, truth.Target, predictions);
        Assert.Equal("submission_file_live_test.csv", Path.GetFileName(path));

        using var stream = File.OpenRead(path);
        var (report, read) = SubmissionValidator.ValidateAndRead(stream, "x.csv", truth.Target);
        Assert.True(report.Valid, report.ToString());
        for (int t = 0; t < truth.Target.Trials; t++)
            for (int j = 0; j < truth.Target.Neurons; j++)
                Assert.Equal(predictions[t, j], (float)read![t, j]);
    }

    [Fact]
    public void Double_predictions_read_back_exactly_and_score_as_evaluate()
    {
        var truth = Truth();
        var predictions = SensoriumMetrics.ToDouble(FixturePredictionsInTruthOrder(truth));
        predictions[0, 0] = 1e-300;
        predictions[1, 0] = -2.5e17;
        predictions[2, 0] = 0.1 + 0.2;
        using var buffer = new MemoryStream();
        SubmissionWriter.Write(buffer, truth.Target, predictions);
        buffer.Position = 0;
        var (report, read) = SubmissionValidator.ValidateAndRead(buffer, "x.csv", truth.Target);
        Assert.True(report.Valid, report.ToString());
        Assert.Equal(predictions, read);
    }

    [Fact]
    public void Written_file_scores_as_the_official_evaluate()
    {
        var truth = Truth();
        using var buffer = new MemoryStream();
        SubmissionWriter.Write(buffer, truth.Target, SensoriumMetrics.ToDouble(FixturePredictionsInTruthOrder(truth)));
        buffer.Position = 0;
        var s = SubmissionScorer.Score(buffer, "x.csv", truth);
        var m = s.Metrics!;
        Metrics.SensoriumMetricsTests.AssertClose(Doubles("metrics_scores_evaluate.npy"), [m.SingleTrialCorrelation, m.CorrelationToAverage, m.Feve], 1e-9);
    }

    [Fact]
    public void Compact_float32_file_scores_within_1e_6()
    {
        var truth = Truth();
        using var buffer = new MemoryStream();
        SubmissionWriter.Write(buffer, truth.Target, FixturePredictionsInTruthOrder(truth));
        buffer.Position = 0;
        var m = SubmissionScorer.Score(buffer, "x.csv", truth).Metrics!;
        Metrics.SensoriumMetricsTests.AssertClose(Doubles("metrics_scores_evaluate.npy"), [m.SingleTrialCorrelation, m.CorrelationToAverage, m.Feve], 1e-6);
    }

    [Fact]
    public void A_file_written_in_another_row_and_neuron_order_is_read_into_target_order()
    {
        var target = Tiny();
        var permuted = target with { TrialIds = ["c3", "a1", "b2"], ImageIds = [9, 7, 7], NeuronIds = [20, 10, 30] };
        float[,] p = { { 3.20f, 3.10f, 3.30f }, { 1.20f, 1.10f, 1.30f }, { 2.20f, 2.10f, 2.30f } };
        using var buffer = new MemoryStream();
        SubmissionWriter.Write(buffer, permuted, p);
        buffer.Position = 0;
        var (report, read) = SubmissionValidator.ValidateAndRead(buffer, "x.csv", target);
        Assert.True(report.Valid, report.ToString());
        Assert.Equal(new double[,] { { 1.1, 1.3, 1.2 }, { 2.1, 2.3, 2.2 }, { 3.1, 3.3, 3.2 } }, read);   // shortest float32 text, read as double
    }

    [Fact]
    public void Writer_refuses_non_finite_values()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            SubmissionWriter.Write(new MemoryStream(), Tiny(), new float[,] { { 1, 2, 3 }, { 1, float.NaN, 3 }, { 1, 2, 3 } }));
        Assert.Contains("trial 'b2', neuron 30", e.Message);
    }

    [Fact]
    public void Final_test_file_name() =>
        Assert.Equal("submission_file_final_test.csv", SubmissionTiers.FileName(SubmissionTiers.FinalTest));

    [Fact]
    public void Invalid_file_gets_no_scores()
    {
        var truth = new GroundTruth(Tiny(), new double[3, 3]);
        var s = SubmissionScorer.Score(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(TinyFile(Row("a1", 7)))), "x.csv", truth);
        Assert.False(s.Report.Valid);
        Assert.Null(s.Metrics);
    }

    [Fact]
    public void Ground_truth_csv_errors_name_file_and_line()
    {
        string text = SubmissionCsv.GroundTruthHeader + "\na1,7,\"[1.0, nan, 2.0]\",\"[10, 30, 20]\"\n";
        var e = Assert.Throws<DataFormatException>(() =>
            GroundTruthCsv.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), "gt.csv", "m", "test"));
        Assert.StartsWith("gt.csv:2: responses[1] is 'nan'", e.Message);
    }
}
