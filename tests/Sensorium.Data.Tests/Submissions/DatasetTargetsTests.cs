using Sensorium.Data.Preprocessing;
using Sensorium.Data.Submissions;
using Sensorium.Data.Tests.Format;

namespace Sensorium.Data.Tests.Submissions;

public class DatasetTargetsTests
{
    [Fact]
    public void Target_and_ground_truth_of_a_tier_from_a_dataset_root()
    {
        using var dir = new TempDir();
        var writer = new TestMouseWriter { Trials = 40, Neurons = 14, HashTrialIdx = true };
        writer.WriteFolder(dir.Path);
        using var mouse = DatasetTargets.OpenMouse(dir.Path, "26872-17-20");
        var truth = DatasetTargets.GroundTruth(mouse, "test");
        int[] trials = Enumerable.Range(0, 40).Where(i => writer.TierOf(i) == "test").ToArray();
        Assert.Equal(trials.Select(writer.TrialIdx), truth.Target.TrialIds);
        Assert.Equal(trials.Select(i => (long)(5000 + i % 7)), truth.Target.ImageIds);
        Assert.Equal(Enumerable.Range(0, 14).Select(writer.UnitId), truth.Target.NeuronIds);
        var precision = new NeuroNormalizer(mouse.Statistics).ResponsePrecision;
        Assert.Equal((double)(float)(writer.Responses(trials[2])[5] * precision[5]), truth.Responses[2, 5]);

        // Its own responses, written as a submission, validate and score perfectly on neurons that vary.
        using var stream = new MemoryStream();
        SubmissionWriter.Write(stream, truth.Target, truth.Responses);
        stream.Position = 0;
        var score = SubmissionScorer.Score(stream, "s.csv", truth);
        Assert.True(score.Report.Valid, score.Report.ToString());
        Assert.Equal(1.0, score.Metrics!.SingleTrialCorrelation, 1e-6);
    }

    [Fact]
    public void Missing_mouse_and_missing_tier_are_data_errors()
    {
        using var dir = new TempDir();
        new TestMouseWriter { Trials = 8 }.WriteFolder(dir.Path);
        var e = Assert.Throws<DataFormatException>(() => DatasetTargets.OpenMouse(dir.Path, "27204-5-13"));
        Assert.Contains("mouse 27204-5-13 not found; it holds 26872-17-20", e.Message);
        using var mouse = DatasetTargets.OpenMouse(dir.Path, "26872-17-20");
        Assert.Contains("has no 'final_test' trials", Assert.Throws<DataFormatException>(() => DatasetTargets.Target(mouse, "final_test")).Message);
    }
}
