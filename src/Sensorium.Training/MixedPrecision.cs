using Sensorium.Models.Encoders;
using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Training;

/// <summary>
/// bf16 training with fp32 master weights. TorchSharp 0.107 has no autocast (its native API exposes no
/// <c>torch.autocast</c>), so the precision is chosen by the weights: a bf16 <see cref="Compute"/> copy of the model
/// (same architecture) runs forward and backward (convolutions, grid sampling and their gradients in bf16), while the
/// fp32 model stays the model: Adam updates its weights, the health guard checks its gradients, validation,
/// checkpoints, best weights and model.pth are its, unchanged. Per optimizer step: <see cref="ToCompute"/> (fp32 weights
/// and BatchNorm statistics → bf16 copy), forward/backward of the copy (the caller casts inputs to
/// <see cref="ComputeType"/>; <see cref="Trainer.Objective"/> sums the loss in fp32), <see cref="GradientsToMaster"/>
/// (bf16 gradients → fp32, BatchNorm statistics back), then the fp32 optimizer step.
/// </summary>
public sealed class MixedPrecision : IDisposable
{
    public const string Fp32 = TrainerSpec.Fp32, Bf16 = TrainerSpec.Bf16;

    private readonly List<(Tensor Master, Tensor Compute)> parameters;
    private readonly List<(Tensor Master, Tensor Compute)> buffers;

    /// <param name="master">The fp32 model.</param>
    /// <param name="copy">A second model of the same spec (any weights): it is converted to bf16 and owned from here.</param>
    public MixedPrecision(FiringRateEncoder master, FiringRateEncoder copy)
    {
        copy.to(ComputeType);
        Compute = copy;
        var masterParameters = master.named_parameters().ToList();
        var computeParameters = copy.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        parameters = masterParameters.Select(p => ((Tensor)p.parameter, computeParameters.TryGetValue(p.name, out var c)
            ? c : throw new ArgumentException($"the bf16 copy has no parameter {p.name}", nameof(copy)))).ToList();
        var computeBuffers = copy.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        buffers = master.named_buffers().Where(b => b.buffer.is_floating_point() || computeBuffers.ContainsKey(b.name))
            .Select(b => (b.buffer, computeBuffers.TryGetValue(b.name, out var c)
                ? c : throw new ArgumentException($"the bf16 copy has no buffer {b.name}", nameof(copy)))).ToList();
        Compute.train();
        ToCompute();
    }

    /// <summary>The type the copy computes in; the caller casts the model's inputs to it.</summary>
    public static ScalarType ComputeType => ScalarType.BFloat16;

    /// <summary>The bf16 copy that runs forward and backward.</summary>
    public FiringRateEncoder Compute { get; }

    /// <summary>The master's weights and buffers (rounded to bf16 where floating point) into the copy; its gradients cleared.</summary>
    public void ToCompute()
    {
        using var _ = no_grad();
        foreach (var (master, compute) in parameters)
        {
            compute.copy_(master);
            compute.grad?.zero_();
        }
        foreach (var (master, compute) in buffers) compute.copy_(master);
    }

    /// <summary>
    /// The copy's gradients (bf16) become the master's (fp32; replaced, not added), and its buffers (BatchNorm's running
    /// statistics, updated by the training forward) go back to the master.
    /// </summary>
    public void GradientsToMaster()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (master, compute) in parameters)
        {
            var g = compute.grad;
            if (g is null) continue;
            var existing = master.grad;
            if (existing is null) master.grad = g.to(ScalarType.Float32).MoveToOuterDisposeScope();
            else existing.copy_(g);
        }
        foreach (var (master, compute) in buffers) master.copy_(compute);
    }

    public void Dispose() => Compute.Dispose();
}
