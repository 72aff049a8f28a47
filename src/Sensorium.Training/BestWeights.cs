using Sensorium.Models.Encoders;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Sensorium.Training;

/// <summary>
/// The one copy of a training's best weights: the model's state dict cloned on its device. Saved when the schedule
/// sees an improvement, restored at round ends, after a divergence and at the end; written into each checkpoint.
/// </summary>
internal sealed class BestWeights : IDisposable
{
    private readonly FiringRateEncoder model;
    private readonly Dictionary<string, Tensor> copy;

    public BestWeights(FiringRateEncoder model)
    {
        this.model = model;
        using var _ = no_grad();
        // In a scope, so that the detach() wrappers stay referenced (not left to the finalizer) until clone() is done.
        using var scope = NewDisposeScope();
        copy = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
    }

    /// <summary>The model's current weights become the best.</summary>
    public void Save()
    {
        using var _ = no_grad();
        foreach (var (key, value) in model.state_dict()) copy[key].copy_(value);
    }

    /// <summary>The model gets the best weights back.</summary>
    public void Restore()
    {
        using var _ = no_grad();
        foreach (var (key, value) in model.state_dict()) value.copy_(copy[key]);
    }

    /// <summary>Writes the best weights as a PyTorch state dict (the official key names).</summary>
    public void SaveTo(string path)
    {
        using var stream = File.Create(path);
        PyTorchPickler.PickleStateDict(stream, copy);
    }

    public void Dispose()
    {
        foreach (var t in copy.Values) t.Dispose();
    }
}
