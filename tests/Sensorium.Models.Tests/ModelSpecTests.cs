using System.Text.Json;

namespace Sensorium.Models.Tests;

public sealed class ModelSpecTests
{
    [Fact]
    public void PresetsAreTheFourOfficialBaselines()
    {
        Assert.Equal((CoreKind.Sota, 4, 1, false), (ModelSpec.Sota.Kind, ModelSpec.Sota.Layers, ModelSpec.Sota.InputChannels, ModelSpec.Sota.Shifter));
        Assert.Equal((CoreKind.Ln, 3, 1, false), (ModelSpec.Ln.Kind, ModelSpec.Ln.Layers, ModelSpec.Ln.InputChannels, ModelSpec.Ln.Shifter));
        Assert.Equal((CoreKind.Sota, 4, 4, true), (ModelSpec.SotaPlus.Kind, ModelSpec.SotaPlus.Layers, ModelSpec.SotaPlus.InputChannels, ModelSpec.SotaPlus.Shifter));
        Assert.Equal((CoreKind.Ln, 3, 4, true), (ModelSpec.LnPlus.Kind, ModelSpec.LnPlus.Layers, ModelSpec.LnPlus.InputChannels, ModelSpec.LnPlus.Shifter));
        var common = ModelSpec.Sota;
        Assert.Equal((64, 9, 7, 6.3831, 0.0076, 0.1, 0.9, 30, 1, true, 5, 3),
            (common.HiddenChannels, common.InputKernel, common.HiddenKernel, common.GammaInput, common.GammaReadout,
             common.InitSigma, common.BatchNormMomentum, common.GridPredictorHiddenFeatures,
             common.GridPredictorHiddenLayers, common.ReadoutBias, common.ShifterHiddenChannels, common.ShifterLayers));
    }

    [Fact]
    public void JsonRoundTripsAndRejectsUnknownKeys()
    {
        var json = JsonSerializer.Serialize(ModelSpec.LnPlus);
        Assert.Contains("\"Kind\":\"Ln\"", json);
        Assert.Equal(ModelSpec.LnPlus, JsonSerializer.Deserialize<ModelSpec>(json));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ModelSpec>("{\"Layers\":3,\"Layerz\":4}"));
    }

    [Fact]
    public void ValidateRejectsImpossibleValues()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => (ModelSpec.Sota with { Layers = 0 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (ModelSpec.Sota with { HiddenKernel = 6 }).Validate());
        ModelSpec.LnPlus.Validate();
    }
}
