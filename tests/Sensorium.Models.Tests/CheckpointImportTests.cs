using Sensorium.Models.Cores;
using Sensorium.Models.Tests.Parity;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Sensorium.Models.Tests;

public sealed class CheckpointImportTests
{
    [Theory]
    [InlineData("sota")]
    [InlineData("ln")]
    [InlineData("p_sota")]
    [InlineData("p_ln")]
    public void OfficialFilesImportWithoutTheDataset(string name)
    {
        var official = OfficialModel.Named(name);
        // Only the nonlinearity (what weights cannot tell) comes from the caller.
        var linear = ((Stacked2dCoreSpec)official.Spec.Core).Linear;
        var result = CheckpointImport.Load(official.CheckpointPath, new ModelSpec { Core = new Stacked2dCoreSpec { Linear = linear } });
        using var encoder = result.Encoder;
        Assert.Equal(official.Spec, result.Spec);
        var mouse = Assert.Single(result.Mice);
        Assert.Equal((official.DataKey, official.Neurons), (mouse.DataKey, mouse.NeuronCount));
        Assert.All(result.Encoder.parameters(), p => Assert.True(p.requires_grad));

        using var reference = official.LoadWithPyBridge();
        result.Encoder.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var images = Fixtures.Float32(official.Inputs).narrow(0, 0, 2);
        var pupil = official.Spec.HasShifter ? Fixtures.Float32("pupil_center.npy").narrow(0, 0, 2) : null;
        Assert.Equal(0, Fixtures.MaxAbsDiff(result.Encoder.call(images, official.DataKey, pupil),
            reference.call(images, official.DataKey, pupil)));
    }

    [Fact]
    public void PyBridgeLoadPyCopiesTheFilesRequiresGradFlag()
    {
        // A quirk worth knowing: load_py sets requires_grad from the file, and torch.save(state_dict()) stores False.
        // Train after CheckpointImport (which keeps the flags), or re-enable gradients after load_py.
        using var model = OfficialModel.Sota.LoadWithPyBridge();
        Assert.All(model.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void ExpectedMiceAreChecked()
    {
        var path = OfficialModel.Sota.CheckpointPath;
        var wrongCount = Assert.Throws<InvalidDataException>(() =>
            CheckpointImport.Load(path, ModelSpec.Sota, [new MouseNeurons("26872-17-20", 100)]));
        Assert.Contains("7776 neurons in the checkpoint, 100 expected", wrongCount.Message);
        var wrongKey = Assert.Throws<InvalidDataException>(() =>
            CheckpointImport.Load(path, ModelSpec.Sota, [new MouseNeurons("other", 7776)]));
        Assert.Contains("'other' is not in the checkpoint", wrongKey.Message);
        Assert.Contains("unexpected mouse '26872-17-20'", wrongKey.Message);
    }

    [Fact]
    public void MismatchesAreReportedByKeyWithShapes()
    {
        using var scope = NewDisposeScope();
        var state = CheckpointImport.ReadStateDict(OfficialModel.Ln.CheckpointPath);
        // A 4-layer model with 1 neuron too many: layer3 missing, readout shapes differ.
        using var model = ModelBuilder.Build(ModelSpec.Sota, [new MouseNeurons("26872-17-20", 7777)]);
        var error = Assert.Throws<InvalidDataException>(() => CheckpointImport.LoadStateDict(model, state, "ln.pth"));
        Assert.Contains("Missing keys: core.features.layer3.ds_conv.in_depth_conv.weight", error.Message);
        Assert.Contains("readout.26872-17-20.bias: model expects (7777), ln.pth has (7776)", error.Message);
        Assert.Contains("readout.26872-17-20._features: model expects (1,64,1,7777), ln.pth has (1,64,1,7776)", error.Message);

        using var withShifter = ModelBuilder.Build(ModelSpec.LnPlus.ForInputs(1, shifter: true), [new MouseNeurons("26872-17-20", 7776)]);
        var missing = Assert.Throws<InvalidDataException>(() => CheckpointImport.LoadStateDict(withShifter, state, "ln.pth"));
        Assert.Contains("Missing keys: shifter.26872-17-20.mlp.0.weight", missing.Message);

        state["extra.weight"] = zeros(1);
        using var ln = ModelBuilder.Build(ModelSpec.Ln, [new MouseNeurons("26872-17-20", 7776)]);
        var unexpected = Assert.Throws<InvalidDataException>(() => CheckpointImport.LoadStateDict(ln, state, "ln.pth"));
        Assert.Contains("Unexpected keys: extra.weight", unexpected.Message);
    }

    [Fact]
    public void NotACheckpointIsAClearError()
    {
        Assert.Throws<FileNotFoundException>(() => CheckpointImport.ReadStateDict("/nonexistent/model.pth"));
        var error = Assert.Throws<InvalidDataException>(() => CheckpointImport.ReadStateDict(Fixtures.PathOf("inputs_1ch.npy")));
        Assert.Contains("not a PyTorch state dict", error.Message);
    }

    [Fact]
    public void SavePyRoundTripsThroughTheImport()
    {
        var spec = Tiny.WithShifter with { Core = Tiny.Core with { Linear = true } };
        using var model = ModelBuilder.Build(spec, Tiny.Mice(5, 3), seed: 7);
        var path = Path.Combine(Path.GetTempPath(), $"sensorium-roundtrip-{Guid.NewGuid():N}.pth");
        try
        {
            model.save_py(path);
            var imported = CheckpointImport.Load(path, new ModelSpec { Core = new Stacked2dCoreSpec { Linear = true, GammaInput = Tiny.Core.GammaInput } });
            using var encoder = imported.Encoder;
            Assert.Equal(spec, imported.Spec);
            Assert.Equal(["m0", "m1"], imported.Mice.Select(m => m.DataKey));
            model.eval();
            encoder.eval();
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var images = Tiny.Images(3);
            var pupil = randn(3, 2);
            Assert.Equal(0, Fixtures.MaxAbsDiff(encoder.call(images, "m1", pupil), model.call(images, "m1", pupil)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
