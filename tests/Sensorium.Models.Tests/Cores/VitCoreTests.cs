using System.Text.Json;
using Sensorium.Models.Cores;
using Sensorium.Models.Measures;
using Sensorium.Models.Readouts;
using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models.Tests.Cores;

/// <summary>The vision-transformer core after V1T (VitCore.cs, VitCoreSpec.cs, one line in CoreSpec.cs).</summary>
public sealed class VitCoreTests
{
    /// <summary>12×16 images, 4×4 patches at stride 2: a 5×7 grid of 6-wide tokens, 2 blocks of 2 heads; dropouts on.</summary>
    private static readonly VitCoreSpec Small = new()
    {
        ImageHeight = 12, ImageWidth = 16, PatchSize = 4, PatchStride = 2, Blocks = 2, Heads = 2, EmbeddingDim = 6, MlpDim = 8,
        PatchDropout = 0.1, Dropout = 0.2, DropPath = 0.1, Gamma = 0.01,
    };

    [Fact]
    public void ShapesKeysAndRegularizer()
    {
        using var generator = new Generator(1);
        using var core = (VitCore)Small.Build(generator, CPU);
        using var scope = NewDisposeScope();
        core.eval();
        Assert.Equal(new long[] { 2, 6, 5, 7 }, core.call(Tiny.Images(2)).shape); // (12−4)/2+1 × (16−4)/2+1
        Assert.Equal((5, 7), Small.Grid);
        Assert.Equal(6, core.OutputChannels);
        var keys = core.state_dict().Keys.ToHashSet();
        Assert.Contains("patch_embedding.projection.weight", keys);
        Assert.Contains("patch_embedding.pos_embedding", keys);
        Assert.Contains("patch_embedding.cls_token", keys);
        Assert.Contains("blocks.1.to_qkv.weight", keys);
        Assert.Equal(new long[] { 3 * 2 * 6, 6 }, core.state_dict()["blocks.0.to_qkv.weight"].shape); // every head is E wide
        Assert.DoesNotContain(keys, k => k.Contains("b_mlp")); // no behaviour channels, no behaviour MLP

        var l1 = core.parameters().Sum(p => p.abs().sum().item<float>());
        var regularizer = core.Regularizer().item<float>();
        Assert.True(float.IsFinite(regularizer) && regularizer > 0);
        Assert.Equal(0.01f * l1, regularizer, 3);
    }

    [Fact]
    public void BehaviourPlanesReachEveryBlockThroughTheBehaviourMlp()
    {
        var spec = Small with { InputChannels = 4 };
        using var generator = new Generator(1);
        using var core = (VitCore)spec.Build(generator, CPU);
        using var scope = NewDisposeScope();
        core.eval();
        Assert.Contains("blocks.0.b_mlp.0.weight", core.state_dict().Keys);
        Assert.Contains("blocks.1.b_mlp.2.weight", core.state_dict().Keys);
        var images = Tiny.Images(2, channels: 4);
        var image = images.narrow(1, 0, 1);
        Tensor Planes(float a, float b, float c) => cat([image, full(2, 1, 12, 16, a), full(2, 1, 12, 16, b), full(2, 1, 12, 16, c)], 1);
        var still = core.call(Planes(0, 0, 0));
        var running = core.call(Planes(0, 0, 2));
        Assert.True(Fixtures.MaxAbsDiff(still, running) > 1e-4); // the behaviour changes the features
        Assert.Equal(0, Fixtures.MaxAbsDiff(running, core.call(Planes(0, 0, 2)))); // eval: deterministic
    }

    [Fact]
    public void DropoutIsOnlyInTrainingAndDrawnFromTheModelsSeededNoise()
    {
        using var generator = new Generator(1);
        using var core = (VitCore)Small.Build(generator, CPU);
        using var noise = new SamplingNoise(5);
        core.AttachNoise(noise);
        using var scope = NewDisposeScope();
        var images = Tiny.Images(2);
        core.train();
        var first = core.call(images);
        Assert.True(Fixtures.MaxAbsDiff(first, core.call(images)) > 1e-5); // fresh masks each call
        noise.Restart(5);
        Assert.Equal(0, Fixtures.MaxAbsDiff(first, core.call(images))); // the same seed, the same masks
        core.eval();
        Assert.Equal(0, Fixtures.MaxAbsDiff(core.call(images), core.call(images)));
    }

    [Fact]
    public void EveryParameterChangesAfterOneOptimizerStep()
    {
        // Behaviour channels and a shifter: every part of the model, the behaviour MLPs included, gets a gradient.
        var spec = Tiny.WithShifter with { Core = Small with { InputChannels = 4 } };
        using var model = ModelBuilder.Build(spec, Tiny.Mice(5), seed: 2);
        Assert.Equal(6, ((FullGaussian2dReadout)model.Readout("m0")).InChannels);
        using var optimizer = optim.Adam(model.parameters(), lr: 0.01);
        using var scope = NewDisposeScope();
        var images = Tiny.Images(4, channels: 4);
        var pupil = randn(4, 2);
        var targets = rand(4, 5);
        var before = model.named_parameters().ToDictionary(e => e.name, e => e.parameter.clone());
        model.train();
        var loss = new PoissonLoss().call(model.call(images, "m0", pupil), targets) + model.Regularizer("m0");
        loss.backward();
        optimizer.step();
        Assert.True(float.IsFinite(loss.item<float>()));
        var parameters = model.named_parameters().ToList();
        Assert.Contains(parameters, p => p.name.StartsWith("core.blocks.0.b_mlp."));
        foreach (var (name, parameter) in parameters)
            Assert.True(Fixtures.MaxAbsDiff(parameter, before[name]) > 0, $"{name} did not change");
    }

    [Fact]
    public void AWrongImageSizeIsAClearError()
    {
        using var generator = new Generator(1);
        using var core = (VitCore)Small.Build(generator, CPU);
        using var images = randn(1, 1, 24, 32);
        var e = Assert.Throws<ArgumentException>(() => core.call(images));
        Assert.Contains("(B,1,12,16)", e.Message);
        Assert.Contains("imageHeight", e.Message);
    }

    [Fact]
    public void ItsSpecIsJsonWithItsKindAndValidates()
    {
        var spec = ModelSpec.Sota with { Core = Small };
        var json = JsonSerializer.Serialize(spec);
        Assert.Contains("\"kind\":\"vit\"", json);
        Assert.DoesNotContain("\"Grid\"", json);
        Assert.Equal(spec, JsonSerializer.Deserialize<ModelSpec>(json));
        Assert.Equal((72, 128), (new VitCoreSpec().ForScale(0.5).ImageHeight, new VitCoreSpec().ForScale(0.5).ImageWidth));
        Assert.Equal((8, 15), new VitCoreSpec().Grid); // the default: 36×64, patch 8, stride 4
        Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { PatchStride = 5 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { PatchSize = 13 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { Dropout = 1 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { Gamma = -1 }).Validate());
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ModelSpec>("""{"Core":{"kind":"vit","Blockz":2}}"""));
    }
}
