using System.Globalization;
using System.Text.Json;
using Sensorium.Data.Format;
using Sensorium.Data.Npy;
using Sensorium.Training.InSilico;
using static TorchSharp.torch;

namespace Sensorium.Cli.Tests;

/// <summary>
/// The digital twin of an ensemble (two real CNN runs trained one epoch on the tiny dataset with different seeds):
/// its response and its gradient are the mean of its members' (real TorchSharp), the experiments run on it, and
/// `sensorium insilico` accepts the ensemble folder as it accepts a run's.
/// </summary>
[Collection("tiny dataset")]
public class EnsembleInSilicoTests(TinyDatasetFixture dataset)
{
    private string Train(string name, int seed)
    {
        string run = dataset.Path_(name);
        if (File.Exists(Path.Combine(run, "model.pth"))) return run;
        var (code, _, error) = Cli.Run("train", "--data", dataset.Data, "--track", "sensorium", "--epochs", "1", "--seed", seed.ToString(CultureInfo.InvariantCulture),
            "--out", run, "--device", "cpu", "--threads", "1", "--batch-size", "32");
        Assert.True(code == 0, error);
        return run;
    }

    private (string A, string B, string Ensemble) TwoSeeds()
    {
        string a = Train("twin-a", 1), b = Train("twin-b", 2), ens = dataset.Path_("twin-ab");
        if (!File.Exists(Path.Combine(ens, "ensemble.json")))
        {
            var (code, _, error) = Cli.Run("ensemble", "--runs", $"{a},{b}", "--out", ens);
            Assert.True(code == 0, error);
        }
        return (a, b, ens);
    }

    private static float[] Floats(Tensor t) => t.detach().cpu().data<float>().ToArray();

    private static void AssertMean(float[] ensemble, float[] a, float[] b, double tolerance, string what)
    {
        Assert.Equal(a.Length, ensemble.Length);
        Assert.Equal(b.Length, ensemble.Length);
        double worst = 0, spread = 0;
        for (int i = 0; i < ensemble.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(ensemble[i] - (a[i] + (double)b[i]) / 2));
            spread = Math.Max(spread, Math.Abs(a[i] - (double)b[i]));
        }
        Assert.True(worst <= tolerance, $"{what}: the ensemble differs from the members' mean by {worst}");
        Assert.True(spread > 100 * tolerance, $"{what}: the members agree to {spread}, so the mean proves nothing"); // two seeds differ
    }

    [Fact]
    public void EnsembleTwinRespondsAndDifferentiatesAsTheMeanOfItsMembersAndItsRfAndTuningRun()
    {
        var (a, b, ens) = TwoSeeds();
        using var twin = DigitalTwin.Load(ens, device: "cpu");
        using var ta = DigitalTwin.Load(a, device: "cpu");
        using var tb = DigitalTwin.Load(b, device: "cpu");
        Assert.True(twin.IsEnsemble);
        Assert.False(ta.IsEnsemble);
        Assert.Equal([Path.GetFullPath(a), Path.GetFullPath(b)], twin.MemberDirs);
        Assert.Equal((ta.Neurons, ta.Height, ta.Width, ta.DataKey), (twin.Neurons, twin.Height, twin.Width, twin.DataKey));

        var rng = new Random(7);
        var pixels = Enumerable.Range(0, 3 * twin.Height * twin.Width).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        using var x = tensor(pixels, [3, 1, twin.Height, twin.Width]);
        using (no_grad())
        {
            using var re = twin.Respond(x);
            using var ra = ta.Respond(x);
            using var rb = tb.Respond(x);
            Assert.Equal([3L, twin.Neurons], re.shape);
            AssertMean(Floats(re), Floats(ra), Floats(rb), 1e-5, "responses");
            using var m0 = twin.RespondOfMember(0, x);
            Assert.Equal(Floats(ra), Floats(m0)); // member 0 is run a, loaded once with the same mouse
        }

        // The gradient of neuron 3's response with respect to the image flows through both members.
        float[] Gradient(IModelPopulation model)
        {
            using var xi = x.clone().requires_grad_(true);
            using var idx = tensor(new long[] { 3, 3, 3 });
            using var r = model.RespondOf(xi, idx);
            using var sum = r.sum();
            sum.backward();
            return Floats(xi.grad!);
        }
        AssertMean(Gradient(twin), Gradient(ta), Gradient(tb), 1e-6, "gradients");

        // Per-neuron scores predict with the members' mean.
        AssertMean(twin.PredictTier(Tier.Validation).Predictions, ta.PredictTier(Tier.Validation).Predictions, tb.PredictTier(Tier.Validation).Predictions, 1e-5, "validation predictions");

        int[] neurons = [0, 3];
        var rf = ReceptiveFields.Compute(twin, neurons, new RfOptions(NoiseImages: 16, GradientSamples: 2));
        Assert.Equal(2 * twin.Height * twin.Width, rf.Gradient.Length);
        Assert.All(rf.Energy, v => Assert.True(float.IsFinite(v)));
        Assert.All(rf.Centres, c => Assert.InRange(c.X, 0, twin.Width - 1));
        var options = new TuningOptions(Orientations: 4, Phases: 4);
        var tuning = Tuning.Compute(twin, neurons, options);
        Assert.Equal(2, tuning.Tuning.Length);
        AssertMean(tuning.Responses, Tuning.Compute(ta, neurons, options).Responses, Tuning.Compute(tb, neurons, options).Responses, 1e-5, "grating responses");
    }

    [Fact]
    public void InsilicoAllAndScoresAcceptAnEnsembleFolderAndScoreItAgainstTheTruth()
    {
        var (a, b, ens) = TwoSeeds();
        string outDir = dataset.Path_("twin-ab-insilico");
        var (code, output, error) = Cli.Run("insilico", "all", "--run", ens, "--out", outDir, "--neurons", "0,3,5",
            "--mei-neurons", "top:2", "--steps", "3", "--starts", "2", "--noise-images", "16", "--gradient-samples", "2",
            "--orientations", "4", "--phases", "4", "--device", "cpu", "--threshold", "-1");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(5, json.RootElement.GetProperty("experiments").GetArrayLength()); // the ensemble's dataset has host/: score ran
        Assert.Contains("loaded member", error);
        int neurons = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "scores.json"))).RootElement.GetProperty("neurons").GetArrayLength();
        Assert.Equal(neurons + 1, File.ReadAllLines(Path.Combine(outDir, "scores.csv")).Length); // the per-neuron CSV
        Assert.Equal([3, 36, 64], Npy.Read(Path.Combine(outDir, "rf_gradient.npy")).Shape);
        Assert.Equal([2, 36, 64], Npy.Read(Path.Combine(outDir, "mei.npy")).Shape);
        Assert.Equal([3, 4, 8, 4], Npy.Read(Path.Combine(outDir, "tuning.npy")).Shape);
        var above = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "score.json"))).RootElement.GetProperty("groups")[0];
        Assert.Equal(3, above.GetProperty("rf_centre_error_px").GetProperty("neurons").GetInt32());
        Assert.Equal(3, above.GetProperty("simple_complex").GetProperty("neurons").GetInt32());

        // The ensemble's test predictions are its members' mean (each member's from `insilico scores` on the run).
        var members = new[] { a, b }.Select(run =>
        {
            string dir = dataset.Path_("twin-scores-" + Path.GetFileName(run));
            var (c, _, e) = Cli.Run("insilico", "scores", "--run", run, "--out", dir, "--device", "cpu");
            Assert.True(c == 0, e);
            return Npy.Read(Path.Combine(dir, "test_predictions.npy")).ToFloat32();
        }).ToArray();
        AssertMean(Npy.Read(Path.Combine(outDir, "test_predictions.npy")).ToFloat32(), members[0], members[1], 1e-5, "test predictions");

        // score alone re-scores the ensemble's results against the truth.
        (code, output, error) = Cli.Run("insilico", "score", "--run", ens, "--out", outDir, "--threshold", "-1");
        Assert.True(code == 0, error);
        Assert.Equal(3, JsonDocument.Parse(output).RootElement.GetProperty("score").GetProperty("groups")[0]
            .GetProperty("rf_centre_error_px").GetProperty("neurons").GetInt32());
    }
}
