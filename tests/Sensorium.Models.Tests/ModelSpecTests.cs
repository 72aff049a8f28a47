using System.Text.Json;
using Sensorium.Models.Cores;
using Sensorium.Models.Readouts;
using Sensorium.Models.Shifters;

namespace Sensorium.Models.Tests;

public sealed class ModelSpecTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web) { AllowOutOfOrderMetadataProperties = true };

    [Fact]
    public void PresetsAreTheFourOfficialBaselines()
    {
        static (bool, int, int, bool) Facts(ModelSpec m) =>
            (((Stacked2dCoreSpec)m.Core).Linear, ((Stacked2dCoreSpec)m.Core).Layers, m.InputChannels, m.HasShifter);
        Assert.Equal((false, 4, 1, false), Facts(ModelSpec.Sota));
        Assert.Equal((true, 3, 1, false), Facts(ModelSpec.Ln));
        Assert.Equal((false, 4, 4, true), Facts(ModelSpec.SotaPlus));
        Assert.Equal((true, 3, 4, true), Facts(ModelSpec.LnPlus));
        var core = (Stacked2dCoreSpec)ModelSpec.Sota.Core;
        var readout = (FullGaussian2dReadoutSpec)ModelSpec.Sota.Readout;
        var shifter = (MlpShifterSpec)ModelSpec.SotaPlus.Shifter!;
        Assert.Equal((64, 9, 7, 6.3831, 0.0076, 0.1, 0.9, 30, 1, true, 5, 3),
            (core.HiddenChannels, core.InputKernel, core.HiddenKernel, core.GammaInput, readout.GammaReadout,
             readout.InitSigma, core.BatchNormMomentum, readout.GridPredictorHiddenFeatures,
             readout.GridPredictorHiddenLayers, readout.Bias, shifter.HiddenChannels, shifter.Layers));
        Assert.Equal(("sota", "ln"), (ModelSpec.SotaPlus.Label, ModelSpec.Ln.Label));
    }

    [Fact]
    public void JsonRoundTripsWithEachPartsKindAndRejectsUnknownKeys()
    {
        var json = JsonSerializer.Serialize(ModelSpec.LnPlus);
        Assert.Contains("\"kind\":\"stacked2d\"", json);
        Assert.Contains("\"Linear\":true", json);
        Assert.Contains("\"kind\":\"fullGaussian2d\"", json);
        Assert.Contains("\"kind\":\"mlp\"", json);
        Assert.Equal(ModelSpec.LnPlus, JsonSerializer.Deserialize<ModelSpec>(json));
        Assert.Equal(ModelSpec.Sota, JsonSerializer.Deserialize<ModelSpec>(JsonSerializer.Serialize(ModelSpec.Sota, Web), Web));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ModelSpec>("{\"Layers\":3,\"Layerz\":4}"));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ModelSpec>("""{"core":{"kind":"stacked2d","layerz":4}}""", Web));
        var unknownKind = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ModelSpec>("""{"core":{"kind":"resnet"}}""", Web));
        Assert.Contains("resnet", unknownKind.Message);
        // A part's kind may follow its fields in a hand-written spec.
        Assert.Equal(ModelSpec.Ln, JsonSerializer.Deserialize<ModelSpec>("""{"core":{"layers":3,"linear":true,"kind":"stacked2d"}}""", Web));
    }

    /// <summary>
    /// Specs stored before the role format (databases, run directories, checkpoints) were flat: they read as the
    /// same model — equal specs, and the same weights from the same seed.
    /// </summary>
    [Theory]
    [InlineData("""{"kind":"Sota","layers":4,"hiddenChannels":64,"inputKernel":9,"hiddenKernel":7,"inputChannels":1,"gammaInput":6.3831,"gammaReadout":0.0076,"initSigma":0.1,"batchNormMomentum":0.9,"gridPredictorHiddenFeatures":30,"gridPredictorHiddenLayers":1,"readoutBias":true,"shifter":false,"shifterHiddenChannels":5,"shifterLayers":3}""", "sota")]
    [InlineData("""{"kind":"Ln","layers":3,"hiddenChannels":64,"inputKernel":9,"hiddenKernel":7,"inputChannels":4,"gammaInput":6.3831,"gammaReadout":0.0076,"initSigma":0.1,"batchNormMomentum":0.9,"gridPredictorHiddenFeatures":30,"gridPredictorHiddenLayers":1,"readoutBias":true,"shifter":true,"shifterHiddenChannels":5,"shifterLayers":3}""", "lnPlus")]
    [InlineData("""{"kind":"sota","layers":2,"hiddenChannels":4,"inputKernel":5,"hiddenKernel":3,"gridPredictorHiddenFeatures":6,"shifter":true,"shifterHiddenChannels":3}""", "tiny")]
    [InlineData("""{"Kind":"Sota","Layers":2,"HiddenChannels":4,"InputKernel":5,"HiddenKernel":3,"GridPredictorHiddenFeatures":6,"Shifter":true,"ShifterHiddenChannels":3}""", "tiny")]
    [InlineData("""{}""", "sota")]
    public void AnOldFlatSpecReadsAsTheSameModel(string flat, string expected)
    {
        var want = expected switch { "sota" => ModelSpec.Sota, "lnPlus" => ModelSpec.LnPlus, _ => Tiny.WithShifter };
        var spec = JsonSerializer.Deserialize<ModelSpec>(flat, Web)!;
        Assert.Equal(want, spec);
        if (expected != "tiny") return;
        using var fromOld = ModelBuilder.Build(spec, Tiny.Mice(5, 3), seed: 11);
        using var fromNew = ModelBuilder.Build(JsonSerializer.Deserialize<ModelSpec>(JsonSerializer.Serialize(want, Web), Web)!, Tiny.Mice(5, 3), seed: 11);
        var a = fromOld.state_dict();
        var b = fromNew.state_dict();
        Assert.Equal(b.Keys.Order(StringComparer.Ordinal), a.Keys.Order(StringComparer.Ordinal));
        foreach (var key in a.Keys) Assert.Equal(0, Fixtures.MaxAbsDiff(a[key], b[key]));
    }

    [Fact]
    public void ValidateRejectsImpossibleValues()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => (ModelSpec.Sota with { Core = new Stacked2dCoreSpec { Layers = 0 } }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (ModelSpec.Sota with { Core = new Stacked2dCoreSpec { HiddenKernel = 6 } }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (ModelSpec.Sota with { Shifter = new MlpShifterSpec { Layers = 0 } }).Validate());
        ModelSpec.LnPlus.Validate();
    }
}
