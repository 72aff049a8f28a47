using System.Globalization;
using System.Text.Json;

namespace Sensorium.Cli.Tests;

/// <summary>`sensorium ensemble` on two real tiny runs (different seeds): its predictions are the mean of theirs, and
/// evaluate and submission make accept its folder as they accept a run's.</summary>
[Collection("tiny dataset")]
public class EnsembleCommandTests(TinyDatasetFixture dataset)
{
    private string Train(string name, string track, int seed, params string[] extra)
    {
        string run = dataset.Path_(name);
        var (code, _, error) = Cli.Run(["train", "--data", dataset.Data, "--track", track, "--epochs", "1", "--seed", seed.ToString(CultureInfo.InvariantCulture),
            "--out", run, "--device", "cpu", "--threads", "1", "--batch-size", "32", .. extra]);
        Assert.True(code == 0, error);
        return run;
    }

    /// <summary>The predictions of a submission file, by (trial, neuron): parsed from the quoted list literals.</summary>
    private static Dictionary<(string Trial, int Neuron), double> Predictions(string csv)
    {
        var result = new Dictionary<(string, int), double>();
        foreach (string line in File.ReadLines(csv).Skip(1))
        {
            string trial = line[..line.IndexOf(',')];
            var lists = line.Split('[', ']');
            var values = lists[1].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var neurons = lists[3].Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(values.Length, neurons.Length);
            for (int i = 0; i < values.Length; i++) result[(trial, neurons[i])] = values[i];
        }
        return result;
    }

    [Fact]
    public void EnsembleOfTwoSeedsPredictsTheMeanAndEvaluatesAndMakesSubmissions()
    {
        string a = Train("ens-a", "sensorium", 1, "--model", "ln");
        string b = Train("ens-b", "sensorium", 2, "--model", "ln");
        string ens = dataset.Path_("ens-ab");
        var (code, output, error) = Cli.Run("ensemble", "--runs", $"{a},{b}", "--out", ens, "--name", "two seeds");
        Assert.True(code == 0, error);
        var manifest = JsonDocument.Parse(output).RootElement.GetProperty("manifest");
        Assert.Equal("two seeds", manifest.GetProperty("name").GetString());
        Assert.Equal(["26872-17-20"], manifest.GetProperty("mice").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal([1, 2], manifest.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("seed").GetInt32()));
        Assert.True(File.Exists(Path.Combine(ens, "ensemble.json")));

        // Submission files of each member and of the ensemble: the ensemble's values are the members' mean.
        var files = new Dictionary<string, string>();
        foreach (var (name, dir) in new[] { ("a", a), ("b", b), ("ens", ens) })
        {
            string subs = dataset.Path_("ens-subs-" + name);
            (code, output, error) = Cli.Run("submission", "make", "--run", dir, "--track", "sensorium", "--out", subs, "--device", "cpu");
            Assert.True(code == 0, error + output);
            Assert.All(JsonDocument.Parse(output).RootElement.GetProperty("files").EnumerateArray(), f => Assert.True(f.GetProperty("valid").GetBoolean()));
            files[name] = Path.Combine(subs, "submission_file_live_test.csv");
        }
        var pa = Predictions(files["a"]);
        var pb = Predictions(files["b"]);
        var pe = Predictions(files["ens"]);
        Assert.Equal(pa.Count, pe.Count);
        Assert.True(pe.Count > 100);
        int differ = 0;
        foreach (var (key, value) in pe)
        {
            double mean = (pa[key] + pb[key]) / 2;
            Assert.True(Math.Abs(value - mean) <= 1e-6 * Math.Max(1, Math.Abs(mean)), $"{key}: ensemble {value}, mean of members {mean}");
            if (Math.Abs(pa[key] - pb[key]) > 1e-4) differ++;
        }
        Assert.True(differ > pe.Count / 2, "the two seeds should predict differently (else the mean proves nothing)");

        // Evaluate accepts the folder: the same JSON as a run's, on validation and (with the host copy) test.
        (code, output, error) = Cli.Run("evaluate", "--run", ens, "--tier", "validation", "--device", "cpu");
        Assert.True(code == 0, error);
        var mouse = JsonDocument.Parse(output).RootElement.GetProperty("mice")[0];
        Assert.Equal("26872-17-20", mouse.GetProperty("data_key").GetString());
        Assert.InRange(mouse.GetProperty("single_trial_correlation").GetDouble(), -1, 1);
        (code, output, error) = Cli.Run("evaluate", "--run", ens, "--tier", "test", "--truth", dataset.Host, "--device", "cpu");
        Assert.True(code == 0, error);
        double ensembleTest = JsonDocument.Parse(output).RootElement.GetProperty("mice")[0].GetProperty("single_trial_correlation").GetDouble();
        Assert.InRange(ensembleTest, -1, 1);

        // The live-test file scores (official evaluator) as evaluate scored the ensemble on the test tier.
        (code, output, error) = Cli.Run("submission", "score", "--file", files["ens"], "--truth", dataset.Host, "--track", "sensorium", "--tier", "test");
        Assert.True(code == 0, error + output);
        Assert.Contains(ensembleTest.ToString("F6", CultureInfo.InvariantCulture)[..6], output);
    }

    [Fact]
    public void RunsOnOtherMiceOrUnfinishedAreRefusedNamingTheRunAndMouse()
    {
        string a = Train("ens-mis-a", "sensorium", 3, "--model", "ln");
        string plus = Train("ens-mis-plus", "sensorium+", 4);
        var (code, _, error) = Cli.Run("ensemble", "--runs", $"{a},{plus}", "--out", dataset.Path_("ens-mis"));
        Assert.Equal(1, code);
        Assert.Contains(plus, error);
        Assert.Contains("no mouse 26872-17-20", error);
        Assert.False(Directory.Exists(dataset.Path_("ens-mis")));

        // A run whose training has not finished (no model.pth) cannot be a member.
        string unfinished = dataset.Path_("ens-mis-unfinished");
        Directory.CreateDirectory(unfinished);
        File.Copy(Path.Combine(a, "spec.json"), Path.Combine(unfinished, "spec.json"));
        (code, _, error) = Cli.Run("ensemble", "--runs", $"{a},{unfinished}", "--out", dataset.Path_("ens-mis2"));
        Assert.Equal(1, code);
        Assert.Contains("not finished", error);

        // One run is not an ensemble: a usage error.
        Assert.Equal(2, Cli.Run("ensemble", "--runs", a, "--out", dataset.Path_("ens-one")).Code);

        // A member deleted after the ensemble was made: evaluate names it.
        string b = Train("ens-mis-b", "sensorium", 5, "--model", "ln");
        string ens = dataset.Path_("ens-gone");
        Assert.Equal(0, Cli.Run("ensemble", "--runs", $"{a},{b}", "--out", ens).Code);
        File.Delete(Path.Combine(b, "model.pth"));
        (code, _, error) = Cli.Run("evaluate", "--run", ens, "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains(b, error);
    }
}
