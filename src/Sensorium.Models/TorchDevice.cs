using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models;

/// <summary>Turns a device setting ("auto", "cpu", "cuda", "cuda:N") into a TorchSharp <see cref="Device"/>.</summary>
public static class TorchDevice
{
    /// <summary>auto → CUDA if available, else CPU; cuda → CUDA or a clear error when it is not available.</summary>
    public static Device Resolve(string choice)
    {
        TorchNative.Initialize();
        var normalized = choice.Trim().ToLowerInvariant();
        if (normalized is "auto") return cuda.is_available() ? CUDA : CPU;
        if (normalized is "cpu") return CPU;
        if (normalized is "cuda" || normalized.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new InvalidOperationException(
                    $"Device '{choice}' was requested, but CUDA is not available: this build uses the CPU libtorch " +
                    "(build with -p:TorchBackend=cuda on a GPU machine) or no GPU/driver is visible. Use 'cpu' or 'auto'.");
            var device = new Device(normalized);
            if (device.index >= cuda.device_count())
                throw new InvalidOperationException(
                    $"Device '{choice}' was requested, but only {cuda.device_count()} CUDA device(s) are visible.");
            return device;
        }
        throw new ArgumentException($"Unknown device '{choice}': use auto, cpu, cuda or cuda:N.", nameof(choice));
    }
}
