using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models.Measures;

/// <summary>
/// Poisson negative log-likelihood up to a constant, as in neuralpredictors 0.3.0 <c>PoissonLoss</c>:
/// Σ(output − target·log(output + 1e−12)) (mean when <c>avg</c>; per neuron over (B,N) when <c>perNeuron</c>).
/// Predictions (B,N) and targets (B,N) → scalar, or (N,) per neuron. The target is detached.
/// </summary>
public sealed class PoissonLoss(bool avg = false, bool perNeuron = false, double bias = 1e-12)
    : nn.Module<Tensor, Tensor, Tensor>(nameof(PoissonLoss))
{
    public bool Avg { get; } = avg;
    public bool PerNeuron { get; } = perNeuron;

    public override Tensor forward(Tensor output, Tensor target)
    {
        using var scope = NewDisposeScope();
        var t = target.detach();
        var loss = output - t * (output + bias).log(); // (B,N)
        Tensor result;
        if (!PerNeuron) result = Avg ? loss.mean() : loss.sum();
        else
        {
            var perRow = loss.view(-1, loss.shape[^1]); // (B·…, N)
            result = Avg ? perRow.mean([0]) : perRow.sum(0L); // not sum(0): a literal 0 binds to sum(ScalarType)
        }
        return result.MoveToOuterDisposeScope();
    }
}
