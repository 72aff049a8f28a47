using System.Text.Json;
using Sensorium.Data.Npy;

namespace Sensorium.Cli.Tests;

/// <summary>`sensorium train` never ends a run that met non-finite numbers as a normal finish.</summary>
[Collection("tiny dataset")]
public class TrainHealthTests(TinyDatasetFixture dataset)
{
    private string Copy(string name)
    {
        string target = dataset.Path_(name);
        foreach (var file in Directory.EnumerateFiles(dataset.Data, "*", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}host{Path.DirectorySeparatorChar}")) continue;
            string to = Path.Combine(target, Path.GetRelativePath(dataset.Data, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
        return target;
    }

    [Fact]
    public void A_dataset_with_a_NaN_response_in_a_training_trial_is_refused_at_loading_naming_the_file()
    {
        string data = Copy("nan-dataset");
        string mouse = Directory.GetDirectories(data, "static26872-17-20-*").Single();
        var tiers = Npy.Read(Path.Combine(mouse, "meta", "trials", "tiers.npy")).ToStrings();
        int trial = Array.IndexOf(tiers, "train");
        string file = Path.Combine(mouse, "data", "responses", $"{trial}.npy");
        var responses = Npy.Read(file).ToFloat32();
        responses[3] = float.NaN;
        Npy.Write(file, NpyArray.FromFloat32(responses));

        var (code, _, error) = Cli.Run("train", "--data", data, "--track", "sensorium", "--epochs", "1", "--out",
            dataset.Path_("nan-run"), "--device", "cpu", "--threads", "1", "--batch-size", "32");
        Assert.Equal(1, code);
        Assert.Contains($"{file}: value 3 is NaN after normalisation; every value must be finite (raw value NaN)", error);
    }

    [Fact]
    public void A_run_whose_loss_turns_NaN_stops_as_diverged_with_exit_4_and_says_where_in_progress_and_summary()
    {
        string run = dataset.Path_("diverging-run");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "inject-nonfinite.txt"), "1 2"); // the test seam: NaN loss at epoch 1, batch 2
        var spec = Sensorium.Cli.TrainCommand.SpecFromOptions(CliArgs.Parse(["--data", dataset.Data, "--epochs", "3"]));
        spec = spec with { Trainer = spec.Trainer with { OnDivergence = "stop", Device = "cpu", Threads = 1, BatchSize = 32 } };
        string specFile = dataset.Path_("diverging-spec.json");
        File.WriteAllText(specFile, spec.ToJson());

        var (code, output, error) = Cli.Run("train", "--spec", specFile, "--out", run);
        Assert.True(code == 4, error);
        Assert.Contains("train: DIVERGED at epoch 1, batch 2 (loss NaN): step skipped, best weights (epoch 0,", error);
        Assert.Contains("train: STOPPED, diverged at epoch 1, batch 2 (loss NaN), after 1 epochs", error);
        Assert.DoesNotContain("finished after", error);
        using var json = JsonDocument.Parse(output);
        Assert.True(json.RootElement.GetProperty("diverged").GetBoolean());
        Assert.Equal("diverged at epoch 1, batch 2 (loss NaN)", json.RootElement.GetProperty("stopped_by").GetString());
        Assert.True(File.Exists(Path.Combine(run, "model.pth")), "the best weights before the divergence are kept");
    }
}
