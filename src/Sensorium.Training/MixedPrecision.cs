using Sensorium.Models;
using static TorchSharp.torch;

namespace Sensorium.Training;

/// <summary>
/// The run setting <see cref="TrainerSpec.Precision"/>: "fp32" (default) or "bf16", autocast-style mixed precision.
/// The model is one fp32 model either way (weights, Adam, BatchNorm statistics, validation, checkpoints, model.pth);
/// with bf16 the training forward runs under <see cref="Autocast"/>, so the cores' convolutions (and the ViT core's
/// linear layers and attention matmuls) compute forward and backward in bf16 and everything else in fp32.
/// </summary>
public static class MixedPrecision
{
    public const string Fp32 = TrainerSpec.Fp32, Bf16 = TrainerSpec.Bf16;

    /// <summary>The autocast type of a precision setting: bf16 for "bf16", null (no autocast) for "fp32".</summary>
    public static ScalarType? LowType(string precision) => precision switch
    {
        Fp32 => null,
        Bf16 => ScalarType.BFloat16,
        _ => throw new ArgumentException($"precision must be {Fp32} or {Bf16} (got '{precision}')", nameof(precision)),
    };
}
