using System.Text.Json;
using Sensorium.Cli;

namespace Sensorium.Cli.Tests;

/// <summary>Issue 16's switches on the command line: <c>--cudnn-benchmark</c> and <c>--channels-last</c> of
/// <c>bench train</c> and <c>train</c>.</summary>
public sealed class BenchTrainCommandTests
{
    [Fact]
    public void Bench_train_takes_the_switches_and_reports_what_became_of_them()
    {
        var (code, output, error) = Cli.Run("bench", "train", "--device", "cpu", "--neurons", "20", "--batch", "4", "--steps", "1",
            "--warmup", "0", "--eval-steps", "0", "--threads", "1", "--no-split", "--channels-last", "--cudnn-benchmark");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.True(json.RootElement.GetProperty("channelsLast").GetBoolean());
        Assert.Equal("not applicable (not CUDA)", json.RootElement.GetProperty("cudnnBenchmark").GetString());
        Assert.True(double.IsFinite(json.RootElement.GetProperty("lastLoss").GetDouble()));
        Assert.Contains("channels-last cudnn-benchmark", error);
        Assert.Contains("cuDNN benchmark not applicable (not CUDA)", error);
    }

    [Fact]
    public void Train_options_set_the_trainer_switches_off_by_default()
    {
        var plain = TrainCommand.SpecFromOptions(CliArgs.Parse(["--data", "/d", "--out", "/o"]));
        Assert.False(plain.Trainer.CudnnBenchmark);
        Assert.False(plain.Trainer.ChannelsLast);
        var on = TrainCommand.SpecFromOptions(CliArgs.Parse(["--data", "/d", "--out", "/o", "--cudnn-benchmark", "--channels-last"]));
        Assert.True(on.Trainer.CudnnBenchmark);
        Assert.True(on.Trainer.ChannelsLast);
    }

    [Fact]
    public void Devices_with_torch_says_where_the_cudnn_benchmark_flag_is_reached()
    {
        var (code, output, error) = Cli.Run("devices", "--torch");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var flag = json.RootElement.GetProperty("torch").GetProperty("cudnnBenchmark");
        Assert.Equal("libtorch_cpu.so", Path.GetFileName(flag.GetProperty("library").GetString()));
        Assert.True(flag.GetProperty("value").ValueKind is JsonValueKind.True or JsonValueKind.False);
    }
}
