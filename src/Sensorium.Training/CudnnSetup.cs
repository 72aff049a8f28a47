using Sensorium.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Training;

/// <summary>Applies <see cref="TrainerSpec.CudnnBenchmark"/> for a training (or a bench) on its device.</summary>
public static class CudnnSetup
{
    /// <summary>What the run's log and its started event say when the device is not CUDA.</summary>
    public const string NotApplicable = "not applicable (not CUDA)";

    /// <summary>
    /// On CUDA: sets libtorch's cuDNN benchmark flag to <paramref name="wanted"/> and verifies it through the getter;
    /// returns "on (verified)" / "off (verified)". On any other device nothing is set: <see cref="NotApplicable"/>.
    /// When the flag cannot be reached or set: with <paramref name="wanted"/> on, a
    /// <see cref="TrainerSettingException"/> naming <c>trainer.cudnnBenchmark</c> and the cause (the run fails
    /// rather than train without what it asked for); off, libtorch's default is off already, so the training goes on
    /// and the returned text says "off (libtorch's default; not verified: cause)".
    /// </summary>
    public static string Apply(bool wanted, Device device) => Apply(wanted, device.type == DeviceType.CUDA, CudnnBenchmark.Set);

    /// <summary><see cref="Apply(bool, Device)"/> with the device's kind and the setter given (tests run the CUDA branch
    /// on the CPU with the real setter, whose flag exists without CUDA, and with one that fails).</summary>
    internal static string Apply(bool wanted, bool cuda, Action<bool> set)
    {
        if (!cuda) return NotApplicable;
        try
        {
            set(wanted);
            return wanted ? "on (verified)" : "off (verified)";
        }
        catch (InvalidOperationException e)
        {
            if (wanted) throw new TrainerSettingException($"trainer.cudnnBenchmark is on but could not be applied: {e.Message}", e);
            return $"off (libtorch's default; not verified: {e.Message})";
        }
    }
}

/// <summary>A trainer setting that cannot be applied on this machine (the message names the setting and the cause).</summary>
public sealed class TrainerSettingException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
