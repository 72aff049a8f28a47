using Sensorium.Models.Shifters;
using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models.Tests.Shifters;

public sealed class MlpShifterTests
{
    [Fact]
    public void ShapeKeysAndRange()
    {
        using var shifter = new MlpShifter(generator: new Generator(1));
        using var scope = NewDisposeScope();
        var shift = shifter.call(randn(5, 2) * 10); // (5,2)
        Assert.Equal(new long[] { 5, 2 }, shift.shape);
        Assert.True(shift.abs().lt(1).all().item<bool>());
        Assert.Equal(new[] { "mlp.0.bias", "mlp.0.weight", "mlp.2.bias", "mlp.2.weight", "mlp.4.bias", "mlp.4.weight" },
            shifter.state_dict().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new long[] { 5, 2 }, shifter.state_dict()["mlp.0.weight"].shape);
        Assert.Equal(new long[] { 2, 5 }, shifter.state_dict()["mlp.4.weight"].shape);
    }

    [Fact]
    public void SingleLayerMapsInputsStraightToTwo()
    {
        using var shifter = new MlpShifter(inputChannels: 2, hiddenChannels: 7, shiftLayers: 1);
        Assert.Equal(new[] { "mlp.0.bias", "mlp.0.weight" }, shifter.state_dict().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new long[] { 2, 2 }, shifter.state_dict()["mlp.0.weight"].shape);
    }

    [Fact]
    public void DefaultLinearInitIsUniformInPlusMinusOneOverSqrtFanIn()
    {
        using var shifter = new MlpShifter(generator: new Generator(2));
        Assert.True(shifter.state_dict()["mlp.2.weight"].abs().le(1 / Math.Sqrt(5)).all().item<bool>());
        using var same = new MlpShifter(generator: new Generator(2));
        Assert.Equal(0, Fixtures.MaxAbsDiff(same.state_dict()["mlp.2.weight"], shifter.state_dict()["mlp.2.weight"]));
    }

    [Fact]
    public void OneOptimizerStepChangesEveryParameter()
    {
        using var shifter = new MlpShifter(generator: new Generator(3));
        var before = shifter.parameters().Select(p => p.detach().clone()).ToList();
        using var optimizer = optim.Adam(shifter.parameters(), lr: 0.01);
        using (var scope = NewDisposeScope())
        {
            var loss = (shifter.call(randn(4, 2)) - 0.3).pow(2).sum();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        Assert.All(shifter.parameters().Zip(before), pair => Assert.NotEqual(0, Fixtures.MaxAbsDiff(pair.First, pair.Second)));
    }
}
