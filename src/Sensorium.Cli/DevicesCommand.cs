using System.Text.Json;
using Sensorium.Models;
using Sensorium.Training.Gpus;
using static TorchSharp.torch;

namespace Sensorium.Cli;

/// <summary>
/// `sensorium devices`: the GPUs this machine has, as the web server's device discovery sees them at start (one
/// nvidia-smi query: index, name, total and free memory, utilisation), and the scheduler devices it would make of them
/// ("cuda:N", or "cpu" alone when there is none). With --torch also what libtorch sees (loads it). JSON on stdout.
/// </summary>
public sealed class DevicesCommand : ICommand
{
    public string Name => "devices";
    public string Summary => "list the GPUs the server's device discovery finds (nvidia-smi) and, with --torch, libtorch's view (JSON)";
    public string Usage => "usage: sensorium devices [--torch]";

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        bool withTorch = args.Flag("torch");
        args.RejectUnknown();
        var found = GpuDiscovery.Discover();
        var result = new Dictionary<string, object?>
        {
            ["source"] = found.Source,
            ["problem"] = found.Problem,
            ["cpuOnly"] = found.CpuOnly,
            ["gpus"] = found.Gpus.Select(g => new
            {
                g.Index, g.Name, g.TotalMiB, g.FreeMiB, g.UsedMiB, g.UtilizationPercent, g.Uuid, Device = g.DeviceName,
            }).ToList(),
            ["schedulerDevices"] = found.CpuOnly ? new[] { "cpu" } : found.Gpus.Select(g => g.DeviceName).ToArray(),
            ["cudaVisibleDevices"] = Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES"),
        };
        if (withTorch)
        {
            try
            {
                TorchNative.Initialize();
                result["torch"] = new { cudaAvailable = cuda.is_available(), deviceCount = cuda.is_available() ? cuda.device_count() : 0, native = TorchNative.Log,
                    cudnnBenchmark = CudnnBenchmarkProbe() };
            }
            catch (Exception e) when (e is InvalidOperationException or DllNotFoundException or TypeInitializationException)
            {
                result["torch"] = new { error = e.Message };
            }
        }
        output.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        error.WriteLine(found.CpuOnly
            ? $"devices: no GPU ({found.Problem}); the server schedules on the CPU only"
            : $"devices: {string.Join("; ", found.Gpus.Select(g => $"{g.DeviceName} {g.Name}, {g.FreeMiB:N0} of {g.TotalMiB:N0} MiB free"))}");
        return CommandLine.Ok;
    }

    /// <summary>Whether trainer.cudnnBenchmark can reach libtorch's flag here (read only): its library and value, or why not.</summary>
    private static object CudnnBenchmarkProbe()
    {
        try { return new { library = CudnnBenchmark.Library, value = CudnnBenchmark.Get() }; }
        catch (InvalidOperationException e) { return new { error = e.Message }; }
    }
}
