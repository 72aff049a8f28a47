using Sensorium.Models;
using Sensorium.Models.Cores;

namespace Sensorium.Training.Tests;

public class RunSpecFormatTests
{
    [Fact]
    public void A_run_spec_stored_with_the_flat_model_format_still_loads_as_the_same_model()
    {
        // As RunSpec.ToJson wrote the model before the role format (issue 10.2), e.g. in a database row or spec.json.
        var old = RunSpec.FromJson("""
            {"dataset":{"path":"x","track":"sensorium+"},
             "model":{"kind":"Ln","layers":3,"hiddenChannels":64,"inputKernel":9,"hiddenKernel":7,"inputChannels":4,
                      "gammaInput":6.3831,"gammaReadout":0.0076,"initSigma":0.1,"batchNormMomentum":0.9,
                      "gridPredictorHiddenFeatures":30,"gridPredictorHiddenLayers":1,"readoutBias":true,"shifter":true,
                      "shifterHiddenChannels":5,"shifterLayers":3},
             "seed":7}
            """);
        Assert.Equal(ModelSpec.LnPlus, old.Model);
        Assert.Equal(old, RunSpec.FromJson(old.ToJson())); // and is written back in the role format
        Assert.Contains("\"core\": {", old.ToJson());
        Assert.True(((Stacked2dCoreSpec)old.Model.Core).Linear);
    }

    [Fact]
    public void A_bad_model_names_the_json_path()
    {
        var e = Assert.Throws<Sensorium.Data.DataFormatException>(() =>
            RunSpec.FromJson("""{"dataset":{"path":"x"},"model":{"core":{"kind":"stacked2d","layerz":3}}}"""));
        Assert.Contains("$.model", e.Message);
        Assert.Contains("core.layerz", e.Message);
    }

    [Fact]
    public void A_dataset_is_named_or_given_by_folder_and_each_writes_only_what_it_has()
    {
        // The CLI's spec: a folder, no name — written as before (no "name" key, "path" first).
        var cli = new RunSpec { Dataset = new DatasetSpec { Path = "/data/small" } };
        Assert.StartsWith("""
            {
              "dataset": {
                "path": "/data/small",
                "track":
            """.ReplaceLineEndings("\n"), cli.ToJson().ReplaceLineEndings("\n"));
        Assert.DoesNotContain("\"name\"", cli.ToJson());
        Assert.Null(RunSpec.FromJson(cli.ToJson()).Dataset.Name);

        // The workbench's spec names a registered dataset and has no folder; a worker's copy carries both.
        var stored = new RunSpec { Dataset = new DatasetSpec { Name = "small" } };
        Assert.DoesNotContain("\"path\"", stored.ToJson());
        Assert.Empty(stored.Validate());
        Assert.Equal(("small", ""), (RunSpec.FromJson(stored.ToJson()).Dataset.Name, RunSpec.FromJson(stored.ToJson()).Dataset.Path));
        var worker = stored with { Dataset = stored.Dataset with { Path = "/data/small" } };
        Assert.Equal(worker, RunSpec.FromJson(worker.ToJson()));

        // A named spec is no folder: loading it says so instead of reading a relative "small".
        var e = Assert.Throws<Sensorium.Data.DataFormatException>(() => DatasetLoader.Select(stored.Dataset));
        Assert.Contains("registered dataset 'small' but no folder", e.Message);
        Assert.Contains("dataset path is required", Assert.Single(new RunSpec().Validate()));
    }
}
