using System.Text.Json;
using Sensorium.Models.Cores;
using Sensorium.Models.Measures;
using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models.Tests.Cores;

/// <summary>The second core, added through the seam of ADDING-A-CORE.md (this file, ConvCore.cs, ConvCoreSpec.cs and
/// one line in CoreSpec.cs).</summary>
public sealed class ConvCoreTests
{
    private static readonly ConvCoreSpec Small = new() { Layers = 2, Channels = 3, InputKernel = 5, Kernel = 3, Gamma = 0.5 };

    [Fact]
    public void ShapesKeysAndRegularizer()
    {
        using var generator = new Generator(1);
        using var core = (ConvCore)Small.Build(generator, CPU);
        using var scope = NewDisposeScope();
        Assert.Equal(new long[] { 2, 3, 8, 12 }, core.call(Tiny.Images(2)).shape); // 5×5 without padding, then 3×3 padded
        Assert.Equal(3, core.OutputChannels);
        Assert.Equal(["features.0.bias", "features.0.weight", "features.2.bias", "features.2.weight"],
            core.state_dict().Keys.Order(StringComparer.Ordinal));
        var sumOfSquares = core.state_dict().Where(e => e.Key.EndsWith(".weight")).Sum(e => e.Value.pow(2).sum().item<float>());
        Assert.Equal(0.5f * sumOfSquares, core.Regularizer().item<float>(), 4);
    }

    [Fact]
    public void AModelWithItTrainsForAStep()
    {
        // The readout is built for the core's declared output channels (3), not a Stacked2d field.
        var spec = Tiny.WithShifter with { Core = Small };
        using var model = ModelBuilder.Build(spec, Tiny.Mice(5), seed: 2);
        Assert.Equal(3, ((Sensorium.Models.Readouts.FullGaussian2dReadout)model.Readout("m0")).InChannels);
        using var optimizer = optim.Adam(model.parameters(), lr: 0.01);
        using var scope = NewDisposeScope();
        var images = Tiny.Images(4);
        var pupil = randn(4, 2);
        var targets = rand(4, 5);
        var before = model.state_dict().ToDictionary(e => e.Key, e => e.Value.clone());
        model.train();
        var loss = new PoissonLoss().call(model.call(images, "m0", pupil), targets) + model.Regularizer("m0");
        loss.backward();
        optimizer.step();
        Assert.True(float.IsFinite(loss.item<float>()));
        Assert.All(model.parameters(), p => Assert.NotNull(p.grad));
        foreach (var key in before.Keys.Where(k => k.StartsWith("core.features.") && k.EndsWith(".weight")))
            Assert.NotEqual(0, Fixtures.MaxAbsDiff(model.state_dict()[key], before[key])); // every layer learned
    }

    [Fact]
    public void ItsSpecIsJsonWithItsKindAndValidates()
    {
        var spec = ModelSpec.Sota with { Core = Small };
        var json = JsonSerializer.Serialize(spec);
        Assert.Contains("\"kind\":\"conv\"", json);
        Assert.Equal(spec, JsonSerializer.Deserialize<ModelSpec>(json));
        Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { Kernel = 4 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { Gamma = -1 }).Validate());
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ModelSpec>("""{"Core":{"kind":"conv","Layerz":2}}"""));
    }
}
