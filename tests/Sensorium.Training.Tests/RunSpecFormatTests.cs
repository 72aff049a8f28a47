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
}
