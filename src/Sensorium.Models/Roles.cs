using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models;

// The three roles of an encoder (FiringRateEncoder composes them). Abstract classes rather than C# interfaces because a
// TorchSharp module must derive from nn.Module: each contract is "a module with this forward, plus a regularizer".
// A part's spec (CoreSpec, ReadoutSpec, ShifterSpec) builds it; see ADDING-A-CORE.md.

/// <summary>
/// The shared core: images (B,C_in,H,W) → feature maps (B,<see cref="OutputChannels"/>,H',W'). The readouts are
/// built for <see cref="OutputChannels"/>.
/// </summary>
public abstract class CoreModule(string name) : nn.Module<Tensor, Tensor>(name)
{
    /// <summary>Channels C of the feature maps the core returns.</summary>
    public abstract long OutputChannels { get; }

    /// <summary>The core's weighted regularizer: a scalar on the core's device (0-dimensional tensor).</summary>
    public abstract Tensor Regularizer();

    /// <summary>
    /// The model's seeded training-time noise (<see cref="Readouts.SamplingNoise"/>, restarted by the trainer at every
    /// epoch), handed over by <see cref="Encoders.FiringRateEncoder"/>. A core with stochastic layers (dropout) draws
    /// from it, so a seed fixes its training and a resumed run draws what an uninterrupted one would; others ignore it.
    /// </summary>
    public virtual void AttachNoise(Readouts.SamplingNoise noise) { }
}

/// <summary>
/// One mouse's readout: core features (B,C,H',W') and an optional grid shift (B,2) → responses (B,N) before the
/// encoder's ELU+1.
/// </summary>
public abstract class ReadoutModule(string name) : nn.Module<Tensor, Tensor?, Tensor>(name)
{
    /// <summary>Neurons N of this mouse.</summary>
    public abstract long Neurons { get; }

    /// <summary>The readout's weighted regularizer: a scalar.</summary>
    public abstract Tensor Regularizer();
}

/// <summary>One mouse's shifter: pupil centre (B,2) → readout grid shift (B,2).</summary>
public abstract class ShifterModule(string name) : nn.Module<Tensor, Tensor>(name)
{
    /// <summary>The shifter's weighted regularizer, or null when it has none (the baselines' gamma_shifter is 0).</summary>
    public virtual Tensor? Regularizer() => null;
}
