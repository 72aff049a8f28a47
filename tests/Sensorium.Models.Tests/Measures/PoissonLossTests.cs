using Sensorium.Models.Measures;
using static TorchSharp.torch;

namespace Sensorium.Models.Tests.Measures;

public sealed class PoissonLossTests
{
    [Fact]
    public void SumAndMeanOfOutputMinusTargetTimesLog()
    {
        using var scope = NewDisposeScope();
        var output = tensor(new float[] { 1, 2, 0.5f, 4 }).view(2, 2);
        var target = tensor(new float[] { 0, 3, 1, 2 }).view(2, 2);
        var expected = new[] { 1 - 0.0, 2 - 3 * Math.Log(2), 0.5 - Math.Log(0.5), 4 - 2 * Math.Log(4) };
        Assert.Equal(expected.Sum(), new PoissonLoss().call(output, target).item<float>(), 5);
        Assert.Equal(expected.Average(), new PoissonLoss(avg: true).call(output, target).item<float>(), 5);
        var perNeuron = new PoissonLoss(perNeuron: true).call(output, target).data<float>().ToArray();
        Assert.Equal(expected[0] + expected[2], perNeuron[0], 5);
        Assert.Equal(expected[1] + expected[3], perNeuron[1], 5);
    }

    [Fact]
    public void ZeroOutputWithZeroTargetIsFinite()
    {
        using var scope = NewDisposeScope();
        // The 1e-12 bias keeps log finite; 0·log(1e-12) = 0.
        Assert.Equal(0f, new PoissonLoss().call(zeros(1, 3), zeros(1, 3)).item<float>());
    }

    [Fact]
    public void GradientFlowsToTheOutputOnly()
    {
        using var scope = NewDisposeScope();
        var output = tensor(new float[] { 1, 2 }).requires_grad_();
        var target = tensor(new float[] { 2, 2 }).requires_grad_();
        new PoissonLoss().call(output, target).backward();
        // d/do (o − t·log o) = 1 − t/o
        Assert.Equal(new float[] { -1, 0 }, output.grad!.data<float>().ToArray());
        Assert.Null(target.grad);
    }
}
