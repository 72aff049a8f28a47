using System.Text.Json;
using Sensorium.Data.Synthetic;

namespace Sensorium.Cli.Tests;

/// <summary>A tiny synthetic dataset (the two competition mice, folders only) made once for the workflow tests.</summary>
public sealed class TinyDatasetFixture : IDisposable
{
    private readonly Sensorium.Data.Tests.TempDir _dir = new();

    public TinyDatasetFixture()
    {
        SyntheticDataset.Generate(new SynthOptions
        {
            OutputDirectory = Data,
            Preset = SynthPreset.Tiny,
            Seed = 11,
            Mice = ["26872-17-20", "27204-5-13"],
            WriteZips = false,
        });
    }

    public string Data => Path.Combine(_dir.Path, "dataset");
    public string Host => Path.Combine(Data, "host");
    public string Path_(string name) => Path.Combine(_dir.Path, name);

    public void Dispose() => _dir.Dispose();
}

[CollectionDefinition("tiny dataset")]
public sealed class TinyDatasetCollection : ICollectionFixture<TinyDatasetFixture>;

/// <summary>The README's command-line workflow on a tiny dataset: train → evaluate → submission make → score; resume; import.</summary>
[Collection("tiny dataset")]
public class WorkflowTests(TinyDatasetFixture dataset)
{
    private static (int Code, string Out, string Err) Run(params string[] argv) => Cli.Run(argv);

    private string Train(string name, string track, int epochs, params string[] extra)
    {
        string run = dataset.Path_(name);
        var (code, output, error) = Run(["train", "--data", dataset.Data, "--track", track, "--epochs", epochs.ToString(),
            "--out", run, "--device", "cpu", "--threads", "1", "--batch-size", "32", .. extra]);
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(epochs, json.RootElement.GetProperty("epochs").GetInt32());
        return run;
    }

    [Fact]
    public void TrainEvaluateMakeAndScoreASensoriumSubmission()
    {
        string run = Train("run-sensorium", "sensorium", 2, "--model", "ln");
        Assert.True(File.Exists(Path.Combine(run, "model.pth")));

        var (code, output, error) = Run("evaluate", "--run", run, "--tier", "validation", "--device", "cpu");
        Assert.True(code == 0, error);
        var mouse = JsonDocument.Parse(output).RootElement.GetProperty("mice")[0];
        Assert.Equal("26872-17-20", mouse.GetProperty("data_key").GetString());
        Assert.InRange(mouse.GetProperty("single_trial_correlation").GetDouble(), -1, 1);

        // The participant copy withholds the competition mouse's test responses: scoring it must say so.
        (code, _, error) = Run("evaluate", "--run", run, "--tier", "test", "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("withheld", error);
        (code, output, error) = Run("evaluate", "--run", run, "--tier", "test", "--truth", dataset.Host, "--device", "cpu");
        Assert.True(code == 0, error);

        string subs = dataset.Path_("subs-sensorium");
        (code, output, error) = Run("submission", "make", "--run", run, "--track", "sensorium", "--out", subs, "--device", "cpu");
        Assert.True(code == 0, error);
        var files = JsonDocument.Parse(output).RootElement.GetProperty("files");
        Assert.Equal(2, files.GetArrayLength());
        Assert.All(files.EnumerateArray(), f => Assert.True(f.GetProperty("valid").GetBoolean()));

        string live = Path.Combine(subs, "submission_file_live_test.csv");
        (code, output, error) = Run("submission", "validate", "--file", live, "--data", dataset.Data, "--track", "sensorium", "--tier", "test");
        Assert.True(code == 0, error);
        (code, output, error) = Run("submission", "score", "--file", live, "--truth", dataset.Host, "--track", "sensorium", "--tier", "test");
        Assert.True(code == 0, error + output);
        var scores = JsonDocument.Parse(output).RootElement;
        Assert.Contains("correlation_to_average", output);

        // The file's scores equal evaluate's on the host copy (same predictions, same metrics).
        (code, var evaluated, error) = Run("evaluate", "--run", run, "--tier", "test", "--truth", dataset.Host, "--device", "cpu");
        var e = JsonDocument.Parse(evaluated).RootElement.GetProperty("mice")[0];
        Assert.Contains(e.GetProperty("single_trial_correlation").GetDouble().ToString("F6", System.Globalization.CultureInfo.InvariantCulture)[..6], output);
    }

    [Fact]
    public void SensoriumPlusRunUsesBehaviourAndMakesItsTrackFiles()
    {
        string run = Train("run-plus", "sensorium+", 1);
        var spec = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "spec.json"))).RootElement;
        Assert.Equal(4, spec.GetProperty("model").GetProperty("core").GetProperty("inputChannels").GetInt32());
        Assert.Equal("mlp", spec.GetProperty("model").GetProperty("shifter").GetProperty("kind").GetString());

        var (code, _, error) = Run("submission", "make", "--run", run, "--track", "sensorium", "--out", dataset.Path_("wrong"), "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("not on 26872-17-20", error);
        (code, _, error) = Run("submission", "make", "--run", run, "--track", "sensorium+", "--out", dataset.Path_("subs-plus"), "--device", "cpu");
        Assert.True(code == 0, error);
    }

    [Fact]
    public void AVitRunWithBehaviourIsEvaluatedAndSubmittedLikeAnyRun()
    {
        // The V1T-style core through the common encoder: behaviour planes into its behaviour MLP, the shifter on the pupil.
        string run = Train("run-vit", "sensorium+", 1, "--model", "vit");
        var model = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "spec.json"))).RootElement.GetProperty("model");
        Assert.Equal("vit", model.GetProperty("core").GetProperty("kind").GetString());
        Assert.Equal(4, model.GetProperty("core").GetProperty("inputChannels").GetInt32());

        var (code, output, error) = Run("evaluate", "--run", run, "--tier", "validation", "--device", "cpu");
        Assert.True(code == 0, error);
        var correlation = JsonDocument.Parse(output).RootElement.GetProperty("mice")[0].GetProperty("single_trial_correlation").GetDouble();
        Assert.True(double.IsFinite(correlation) && correlation is >= -1 and <= 1, output);

        string subs = dataset.Path_("subs-vit");
        (code, output, error) = Run("submission", "make", "--run", run, "--track", "sensorium+", "--out", subs, "--device", "cpu");
        Assert.True(code == 0, error);
        Assert.All(JsonDocument.Parse(output).RootElement.GetProperty("files").EnumerateArray(), f => Assert.True(f.GetProperty("valid").GetBoolean()));
        (code, output, error) = Run("submission", "score", "--file", Path.Combine(subs, "submission_file_live_test.csv"),
            "--truth", dataset.Host, "--track", "sensorium+", "--tier", "test");
        Assert.True(code == 0, error + output);
    }

    [Fact]
    public void ResumeContinuesAFinishedCheckpointToMoreEpochs()
    {
        string run = Train("run-resume", "sensorium", 1, "--model", "ln");
        // Raise the epoch cap in the stored spec, as a user extending a run would, then resume.
        string specPath = Path.Combine(run, "spec.json");
        File.WriteAllText(specPath, File.ReadAllText(specPath).Replace("\"maxEpochs\": 1", "\"maxEpochs\": 2"));
        var (code, output, error) = Run("train", "--resume", "--out", run, "--events", "-");
        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("summary", lines[^1].GetProperty("type").GetString());
        Assert.Equal([2], lines.Where(l => l.GetProperty("type").GetString() == "epoch").Select(l => l.GetProperty("epoch").GetInt32()));
    }

    [Fact]
    public void EventsLogGetsEveryEventLineBesideStdoutAndAResumeAppendsToIt()
    {
        string run = dataset.Path_("run-events-log");
        string log = Path.Combine(dataset.Path_("run-events-log.jsonl"));
        var (code, output, error) = Run("train", "--data", dataset.Data, "--epochs", "1", "--out", run, "--device", "cpu",
            "--threads", "1", "--batch-size", "32", "--model", "ln", "--events", "-", "--events-log", log);
        Assert.True(code == 0, error);
        var streamed = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.Contains("\"summary\"")).ToList();
        Assert.Equal(streamed, File.ReadAllLines(log)); // the same lines, in order (the summary only on stdout)
        Assert.Contains(streamed, l => l.Contains("\"type\":\"epoch\",\"epoch\":1,"));

        string specPath = Path.Combine(run, "spec.json");
        File.WriteAllText(specPath, File.ReadAllText(specPath).Replace("\"maxEpochs\": 1", "\"maxEpochs\": 2"));
        Assert.Equal(0, Run("train", "--resume", "--out", run, "--events-log", log).Code);
        var epochs = File.ReadAllLines(log).Where(l => l.Contains("\"type\":\"epoch\"")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("epoch").GetInt32());
        Assert.Equal([1, 2], epochs);
    }

    [Fact]
    public void UsageAndInputErrorsHaveTheirExitCodes()
    {
        Assert.Equal(2, Run("train", "--data", dataset.Data).Code); // --out missing
        Assert.Equal(2, Run("train", "--data", dataset.Data, "--out", dataset.Path_("x"), "--model", "resnet").Code);
        Assert.Equal(2, Run("train", "--data", dataset.Data, "--out", dataset.Path_("x"), "--bogus", "1").Code);
        var (code, _, error) = Run("train", "--data", dataset.Data, "--out", dataset.Path_("x"), "--mice", "99999-1-1", "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("no mouse 99999-1-1", error);
        (code, _, error) = Run("evaluate", "--run", dataset.Path_("nonexistent-run"));
        Assert.Equal(1, code);
        Assert.Contains("spec.json", error);
    }

    [Fact]
    public void OfficialBaselineImportsAsARunAndRefusesAMouseOfTheWrongSize()
    {
        string pth = Sensorium.Data.Tests.TestPaths.Official("sensorium_sota_model.pth");
        string run = dataset.Path_("imported");
        var (code, output, error) = Run("checkpoint", "import", "--file", pth, "--out", run, "--data", dataset.Data);
        Assert.True(code == 0, error);
        Assert.Contains("26872-17-20", output);
        Assert.True(File.Exists(Path.Combine(run, "model.pth")));
        // The tiny mouse has far fewer neurons than the real one: a clear error, not a crash.
        (code, _, error) = Run("evaluate", "--run", run, "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("7776", error);
    }

    [Fact]
    public void A_cnn_wide_run_imports_at_its_input_scale_and_predicts_as_before_while_vit_is_refused_by_name()
    {
        // A CNN of the cnn-wide kind (the Stacked2d core fed at scale 0.5; 2 layers of 8 channels keep it quick: the
        // weights, not the preset, give the layers and channels), trained one epoch here, then imported as cnn-wide.
        string specFile = dataset.Path_("wide-spec.json");
        File.WriteAllText(specFile, JsonSerializer.Serialize(new
        {
            dataset = new { path = dataset.Data, track = "sensorium", scale = 0.5 },
            model = new { core = new { kind = "stacked2d", layers = 2, hiddenChannels = 8 } },
            trainer = new { maxEpochs = 1, batchSize = 32, device = "cpu", threads = 1 },
            seed = 3,
        }));
        string trained = dataset.Path_("wide-trained");
        var (code, _, error) = Run("train", "--spec", specFile, "--out", trained);
        Assert.True(code == 0, error);

        string imported = dataset.Path_("wide-imported");
        (code, var output, error) = Run("checkpoint", "import", "--file", Path.Combine(trained, "model.pth"), "--out", imported,
            "--data", dataset.Data, "--model", "cnn-wide");
        Assert.True(code == 0, error);
        var spec = JsonDocument.Parse(output).RootElement;
        Assert.Equal(0.5, spec.GetProperty("dataset").GetProperty("scale").GetDouble());
        var core = spec.GetProperty("model").GetProperty("core");
        Assert.Equal(("stacked2d", 2, 8), (core.GetProperty("kind").GetString(), core.GetProperty("layers").GetInt32(), core.GetProperty("hiddenChannels").GetInt32()));
        Assert.Contains("input scale 0.5", error);

        // The imported run predicts what the trained one does: the same weights fed the same 72×128 images.
        string Validation(string run)
        {
            var (c, o, e) = Run("evaluate", "--run", run, "--tier", "validation", "--device", "cpu");
            Assert.True(c == 0, e);
            return JsonDocument.Parse(o).RootElement.GetProperty("mice")[0].GetProperty("single_trial_correlation").GetDouble().ToString("R");
        }
        Assert.Equal(Validation(trained), Validation(imported));

        // A vision transformer has no official weights and its architecture is not in a state dict: refused, saying so.
        (code, _, error) = Run("checkpoint", "import", "--file", Path.Combine(trained, "model.pth"), "--out", dataset.Path_("vit-imported"),
            "--data", dataset.Data, "--model", "vit");
        Assert.Equal(1, code);
        Assert.Contains("a vit core cannot be imported", error);
        Assert.Contains("sota, ln, cnn-wide", error);
        Assert.False(Directory.Exists(dataset.Path_("vit-imported")));
    }
}
