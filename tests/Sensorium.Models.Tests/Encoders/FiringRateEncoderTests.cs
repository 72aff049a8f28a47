using Sensorium.Models.Encoders;
using Sensorium.Models.Measures;
using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models.Tests.Encoders;

public sealed class FiringRateEncoderTests
{
    [Fact]
    public void EachMouseGetsItsOwnReadoutOnASharedCore()
    {
        using var model = ModelBuilder.Build(Tiny.Spec, Tiny.Mice(5, 3));
        using var scope = NewDisposeScope();
        var images = Tiny.Images(2);
        var m0 = model.call(images, "m0", null);
        var m1 = model.call(images, "m1", null);
        Assert.Equal(new long[] { 2, 5 }, m0.shape);
        Assert.Equal(new long[] { 2, 3 }, m1.shape);
        Assert.True(m0.gt(0).all().item<bool>()); // ELU + 1 > 0
        Assert.Equal(["m0", "m1"], model.DataKeys);
        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("core.features.layer0.conv.weight", keys);
        Assert.Contains("core._input_weights_regularizer.laplace.filter", keys);
        Assert.Contains("readout.m1._features", keys);
        Assert.Contains("readout.m1.source_grid", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("shifter."));
    }

    /// <summary>Moving a model to another device or dtype goes through TorchSharp's Module._toEpilog for every
    /// submodule. TorchSharp 0.107's ModuleDict fails there (its two indexers both reflect as the property "Item":
    /// "An item with the same key has already been added"), which broke every CUDA run; a dtype change takes the same
    /// path, so this is tested on the CPU.</summary>
    [Fact]
    public void TheWholeModelWithShiftersConvertsToAnotherDtypeAndBack()
    {
        using var model = ModelBuilder.Build(Tiny.WithShifter.ForInputs(2, shifter: true), Tiny.Mice(4, 2));
        model.eval();
        using var scope = NewDisposeScope();
        var images = Tiny.Images(2, channels: 2);
        var pupil = tensor(new float[] { 0.5f, -1, 2, 0 }).view(2, 2);
        var before = model.call(images, "m1", pupil).clone();
        model.to(ScalarType.Float64);
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float64, p.dtype));
        Assert.Equal(ScalarType.Float64, model.Readout("m1").parameters().First().dtype);
        Assert.Equal(ScalarType.Float64, model.Shifter("m0").parameters().First().dtype);
        var doubled = model.call(images.to(ScalarType.Float64), "m1", pupil.to(ScalarType.Float64));
        Assert.True(Fixtures.MaxAbsDiff(doubled.to(ScalarType.Float32), before) < 1e-5);
        model.to(ScalarType.Float32);
        Assert.Equal(0, Fixtures.MaxAbsDiff(model.call(images, "m1", pupil), before), 6);
        Assert.Contains("readout.m1._features", model.state_dict().Keys);
        Assert.Contains("shifter.m0.mlp.4.weight", model.state_dict().Keys);
    }

    [Fact]
    public void OutputIsEluOfTheReadoutPlusOne()
    {
        using var model = ModelBuilder.Build(Tiny.Spec, Tiny.Mice(4));
        model.eval();
        using var scope = NewDisposeScope();
        var images = Tiny.Images(2);
        var byHand = nn.functional.elu(model.Readout("m0").call(model.Core.call(images), null), 1.0) + 1;
        Assert.Equal(0, Fixtures.MaxAbsDiff(model.call(images, "m0", null), byHand));
    }

    [Fact]
    public void ShifterNeedsThePupilCentreAndMovesTheGrid()
    {
        using var model = ModelBuilder.Build(Tiny.WithShifter, Tiny.Mice(4, 2));
        model.eval();
        using var scope = NewDisposeScope();
        var images = Tiny.Images(2);
        var error = Assert.Throws<ArgumentException>(() => model.call(images, "m0", null));
        Assert.Contains("pupil centre", error.Message);
        var pupil = tensor(new float[] { 0.5f, -1, 2, 0 }).view(2, 2);
        var shift = model.Shifter("m0").call(pupil);
        var byHand = nn.functional.elu(model.Readout("m0").call(model.Core.call(images), shift), 1.0) + 1;
        Assert.Equal(0, Fixtures.MaxAbsDiff(model.call(images, "m0", pupil), byHand));
        Assert.Contains("shifter.m1.mlp.4.weight", model.state_dict().Keys);
    }

    [Fact]
    public void UnknownDataKeyNamesTheKnownOnes()
    {
        using var model = ModelBuilder.Build(Tiny.Spec, Tiny.Mice(4, 2));
        var error = Assert.Throws<KeyNotFoundException>(() => model.Readout("nope"));
        Assert.Contains("'m0', 'm1'", error.Message);
    }

    [Fact]
    public void RegularizerSumsCoreAndTheMouseReadout()
    {
        using var model = ModelBuilder.Build(Tiny.Spec with { Readout = new Sensorium.Models.Readouts.FullGaussian2dReadoutSpec { GammaReadout = 0.5, GridPredictorHiddenFeatures = 6 } }, Tiny.Mice(4, 2));
        using var scope = NewDisposeScope();
        var core = model.Core.Regularizer().item<float>();
        Assert.Equal(core + 0.5f * 4, model.Regularizer("m0").item<float>(), 4);
        Assert.Equal(core + 0.5f * 2, model.Regularizer("m1").item<float>(), 4);
    }

    [Fact]
    public void OneStepTrainsCoreAndThatMouseOnly()
    {
        using var model = ModelBuilder.Build(Tiny.WithShifter, Tiny.Mice(4, 2));
        model.train();
        var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        using var optimizer = optim.Adam(model.parameters(), lr: 0.01);
        using (var scope = NewDisposeScope())
        {
            var rates = model.call(Tiny.Images(3), "m0", randn(3, 2));
            var loss = new PoissonLoss().call(rates, rand(3, 4)) + model.Regularizer("m0");
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        foreach (var (name, parameter) in model.named_parameters())
        {
            var changed = Fixtures.MaxAbsDiff(parameter, before[name]) > 0;
            Assert.True(changed == !name.Contains(".m1."), $"{name} changed: {changed}");
        }
    }

    [Fact]
    public void SameSeedSameModelAndSameTrainingNoise()
    {
        using var a = ModelBuilder.Build(Tiny.Spec, Tiny.Mice(4), seed: 3);
        using var b = ModelBuilder.Build(Tiny.Spec, Tiny.Mice(4), seed: 3);
        using var c = ModelBuilder.Build(Tiny.Spec, Tiny.Mice(4), seed: 4);
        using var scope = NewDisposeScope();
        foreach (var (name, p) in a.state_dict())
            Assert.True(Fixtures.MaxAbsDiff(p, b.state_dict()[name]) == 0, name);
        var images = Tiny.Images(2);
        using (no_grad()) // training mode: the readout positions are sampled from each model's seeded noise
        {
            Assert.Equal(0, Fixtures.MaxAbsDiff(a.call(images, "m0", null), b.call(images, "m0", null)));
            Assert.NotEqual(0, Fixtures.MaxAbsDiff(a.call(images, "m0", null), c.call(images, "m0", null)));
        }
    }

    [Fact]
    public void AModelBuiltInsideADisposeScopeOutlivesIt()
    {
        FiringRateEncoder model;
        using (NewDisposeScope()) model = ModelBuilder.Build(Tiny.WithShifter, Tiny.Mice(3));
        using (model)
        using (NewDisposeScope())
        {
            Assert.All(model.state_dict().Values, t => Assert.NotEqual(IntPtr.Zero, t.Handle));
            Assert.Equal(new long[] { 2, 3 }, model.call(Tiny.Images(2), "m0", zeros(2, 2)).shape);
        }
    }

    [Fact]
    public void BuilderRejectsBadMice()
    {
        Assert.Throws<ArgumentException>(() => ModelBuilder.Build(Tiny.Spec, []));
        Assert.Throws<ArgumentException>(() => ModelBuilder.Build(Tiny.Spec, [new MouseNeurons("a", 2), new MouseNeurons("a", 3)]));
        Assert.Throws<ArgumentException>(() => ModelBuilder.Build(Tiny.Spec, [new MouseNeurons("a.b", 2)]));
        Assert.Throws<ArgumentException>(() => ModelBuilder.Build(Tiny.Spec, [new MouseNeurons("a", 2, [1, 2], [1])]));
    }
}
