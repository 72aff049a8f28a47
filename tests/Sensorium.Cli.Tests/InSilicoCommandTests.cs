using System.Text.Json;
using Sensorium.Data.Npy;

namespace Sensorium.Cli.Tests;

/// <summary>`sensorium insilico …` on a run trained briefly on the tiny dataset: files, shapes, the score, bad input.</summary>
[Collection("tiny dataset")]
public class InSilicoCommandTests(TinyDatasetFixture dataset)
{
    private string TrainedRun()
    {
        string run = dataset.Path_("insilico-run");
        if (File.Exists(Path.Combine(run, "model.pth"))) return run;
        var (code, _, error) = Cli.Run("train", "--data", dataset.Data, "--track", "sensorium", "--epochs", "1", "--out", run,
            "--device", "cpu", "--threads", "1", "--batch-size", "32");
        Assert.True(code == 0, error);
        return run;
    }

    [Fact]
    public void AllWritesScoresRfMeiTuningAndTheScoreAgainstTheTruth()
    {
        string run = TrainedRun();
        string outDir = dataset.Path_("insilico-out");
        var (code, output, error) = Cli.Run("insilico", "all", "--run", run, "--out", outDir, "--neurons", "0,3,5",
            "--mei-neurons", "top:2", "--steps", "3", "--starts", "2", "--noise-images", "16", "--gradient-samples", "2",
            "--orientations", "4", "--phases", "4", "--device", "cpu", "--threshold", "-1");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(5, json.RootElement.GetProperty("experiments").GetArrayLength()); // the run's dataset has host/: score ran

        int neurons = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "scores.json"))).RootElement.GetProperty("neurons").GetArrayLength();
        Assert.True(neurons > 50);
        Assert.Equal(neurons + 1, File.ReadAllLines(Path.Combine(outDir, "scores.csv")).Length);
        var predictions = Npy.Read(Path.Combine(outDir, "test_predictions.npy"));
        Assert.Equal(neurons, predictions.Shape[1]);
        Assert.Equal(predictions.Shape, Npy.Read(Path.Combine(outDir, "test_responses.npy")).Shape);

        Assert.Equal([3, 36, 64], Npy.Read(Path.Combine(outDir, "rf_gradient.npy")).Shape);
        Assert.Equal([3, 36, 64], Npy.Read(Path.Combine(outDir, "rf_sta.npy")).Shape);
        foreach (string f in new[] { "0_gradient.png", "3_sta.png", "5_energy.png" }) Assert.True(File.Exists(Path.Combine(outDir, "rf", f)), f);
        Assert.Equal([2, 36, 64], Npy.Read(Path.Combine(outDir, "mei.npy")).Shape);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(outDir, "mei"), "*_natural.png").Length);
        Assert.Equal([3, 4, 8, 4], Npy.Read(Path.Combine(outDir, "tuning.npy")).Shape);

        var score = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "score.json"))).RootElement;
        var above = score.GetProperty("groups")[0];
        Assert.Equal(3, above.GetProperty("rf_centre_error_px").GetProperty("neurons").GetInt32());
        Assert.Equal(3, above.GetProperty("simple_complex").GetProperty("neurons").GetInt32());
        Assert.InRange(above.GetProperty("orientation_error_deg").GetProperty("median").GetDouble(), 0, 90);
    }

    [Fact]
    public void BadNeuronsAndAMissingGroundTruthAreClearErrors()
    {
        string run = TrainedRun();
        var (code, _, error) = Cli.Run("insilico", "rf", "--run", run, "--out", dataset.Path_("insilico-bad"), "--neurons", "100000", "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("neurons: '100000' is not a neuron index", error);

        string outDir = dataset.Path_("insilico-nogt");
        Assert.Equal(0, Cli.Run("insilico", "scores", "--run", run, "--out", outDir, "--device", "cpu").Code);
        Assert.Equal(0, Cli.Run("insilico", "tuning", "--run", run, "--out", outDir, "--neurons", "top:2", "--orientations", "4", "--phases", "4", "--device", "cpu").Code);
        (code, _, error) = Cli.Run("insilico", "score", "--run", run, "--out", outDir, "--truth", dataset.Path_("nowhere"));
        Assert.Equal(1, code);
        Assert.Contains("no ground truth for 26872-17-20", error);

        (code, _, error) = Cli.Run("insilico", "mei", "--run", run, "--rms", "0");
        Assert.Equal(2, code);
        Assert.Contains("--rms", error);
    }
}
