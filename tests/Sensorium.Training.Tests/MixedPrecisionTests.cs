using Sensorium.Models;
using Sensorium.Training.Gpus;
using static TorchSharp.torch;

namespace Sensorium.Training.Tests;

/// <summary>Issue 16 on the CPU: bf16 mixed precision, the GPU memory estimate, GPU discovery's CPU-only answer.</summary>
public class MixedPrecisionTests
{
    static IReadOnlyList<MouseNeurons> Neurons(MouseTrainingData m) => [MouseNeurons.FromCortex(m.DataKey, m.CorticalX, m.CorticalY)];

    [Fact]
    public void The_bf16_copy_computes_and_the_fp32_model_keeps_the_weights_and_gets_fp32_gradients()
    {
        var mouse = TinyData.Mouse();
        var spec = TinyData.Spec().Model;
        using var master = ModelBuilder.Build(spec, Neurons(mouse), CPU, 7);
        using var mixed = new MixedPrecision(master, ModelBuilder.Build(spec, Neurons(mouse), CPU, 99));
        Assert.All(master.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.All(mixed.Compute.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        foreach (var ((name, m), (_, c)) in master.named_parameters().Zip(mixed.Compute.named_parameters()))
            Assert.True(m.to(ScalarType.BFloat16).equal(c).all().item<bool>(), $"{name}: the copy holds the master's weights in bf16");

        using var images = randn(4, 1, mouse.Height, mouse.Width).to(ScalarType.BFloat16);
        using var output = mixed.Compute.call(images, mouse.DataKey, null);
        Assert.Equal(ScalarType.BFloat16, output.dtype);
        output.to(ScalarType.Float32).sum().backward();
        mixed.GradientsToMaster();
        foreach (var ((name, m), (_, c)) in master.named_parameters().Zip(mixed.Compute.named_parameters()))
        {
            Assert.NotNull(m.grad);
            Assert.Equal(ScalarType.Float32, m.grad!.dtype);
            Assert.True(m.grad.equal(c.grad!.to(ScalarType.Float32)).all().item<bool>(), $"{name}: the master's gradient is the copy's");
        }
    }

    [Fact]
    public void A_bf16_run_learns_writes_an_fp32_model_and_differs_from_the_fp32_run()
    {
        using var a = new Sensorium.Data.Tests.TempDir();
        using var b = new Sensorium.Data.Tests.TempDir();
        var fp32Log = new EventLog();
        var bf16Log = new EventLog();
        var fp32Spec = TinyData.Spec(maxEpochs: 6);
        var bf16Spec = fp32Spec with { Trainer = fp32Spec.Trainer with { Precision = MixedPrecision.Bf16 } };
        var fp32 = Trainer.Train(fp32Spec, [TinyData.Mouse()], a.Path, fp32Log);
        var bf16 = Trainer.Train(bf16Spec, [TinyData.Mouse()], b.Path, bf16Log);

        double before = bf16Log.Of<TrainingStarted>().Single().ValidationBefore["11111-1-1"];
        Assert.True(bf16.BestObjective > before + 0.05, $"bf16: validation correlation {before:F3} -> {bf16.BestObjective:F3}");
        // Not asserted: how close bf16 comes to fp32. On this tiny model (8 channels, 12 neurons, 6 epochs) bf16 reached
        // 0.18 against fp32's 0.42 here; its quality on `small` is measured on a GPU (scripts/gpu-bench.sh step F).
        Assert.True(fp32.BestObjective > before + 0.1);
        double fp32Loss = fp32Log.Of<EpochCompleted>().First().TrainLoss, bf16Loss = bf16Log.Of<EpochCompleted>().First().TrainLoss;
        Assert.NotEqual(fp32Loss, bf16Loss); // bf16 really computed
        Assert.True(Math.Abs(bf16Loss - fp32Loss) < 0.05 * fp32Loss, $"first-epoch loss bf16 {bf16Loss} vs fp32 {fp32Loss}");
        Assert.All(bf16Log.Of<BatchProgress>(), p => Assert.True(double.IsFinite(p.Loss) && p.Loss > 0));

        using var reloaded = ModelBuilder.Build(bf16Spec.Model, Neurons(TinyData.Mouse()), CPU, 1);
        Checkpoint.LoadWeights(reloaded, Path.Combine(b.Path, Checkpoint.ModelFile));
        Assert.All(reloaded.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.Equal(MixedPrecision.Bf16, Checkpoint.ReadSpec(b.Path).Trainer.Precision);
    }

    [Fact]
    public void An_unknown_precision_is_refused()
    {
        var spec = TinyData.Spec() with { Trainer = new TrainerSpec { Precision = "fp16" } };
        Assert.Contains(spec.Validate(), e => e.Contains("precision must be fp32 or bf16 (got 'fp16')"));
    }

    [Fact]
    public void The_memory_estimate_grows_with_the_run_and_bf16_lowers_it()
    {
        var reference = new RunSpec { Dataset = new DatasetSpec { Path = "d" } };
        long mib = GpuMemoryEstimate.MiB(reference);
        Assert.InRange(mib, 1_500, 8_000); // batch 128, 36×64, one mouse of 8,400 neurons
        Assert.True(GpuMemoryEstimate.MiB(reference with { Trainer = new TrainerSpec { BatchSize = 256 } }) > mib);
        Assert.True(GpuMemoryEstimate.MiB(reference with { Trainer = new TrainerSpec { Precision = MixedPrecision.Bf16 } }) < mib);
        Assert.True(GpuMemoryEstimate.MiB(reference with { Dataset = new DatasetSpec { Path = "d", Track = "all" } }) > mib);
        Assert.True(GpuMemoryEstimate.MiB(reference with { Model = ModelSpec.Sota with { Core = (ModelSpec.Sota.Core as Sensorium.Models.Cores.Stacked2dCoreSpec)! with { HiddenChannels = 128 } } }) > mib);
        Assert.True(GpuMemoryEstimate.MiB(reference, neuronsPerMouse: 800) < mib);
    }

    [Fact]
    public void Discovery_parses_nvidia_smi_and_answers_cpu_only_without_it()
    {
        var gpus = GpuDiscovery.Parse("0, NVIDIA H200, 143771, 142500, 3, GPU-1234\n1, NVIDIA H200, 143771, 1000, [N/A], GPU-5678\n");
        Assert.Equal(2, gpus.Count);
        Assert.Equal(new GpuInfo(0, "NVIDIA H200", 143_771, 142_500, 3, "GPU-1234"), gpus[0]);
        Assert.Null(gpus[1].UtilizationPercent);
        Assert.Equal(142_771, gpus[1].UsedMiB);
        Assert.Equal("cuda:1", gpus[1].DeviceName);
        var bad = Assert.Throws<FormatException>(() => GpuDiscovery.Parse("0, NVIDIA H200, 143771, 142500, 3, x\nNo devices were found\n"));
        Assert.Contains("nvidia-smi line 2", bad.Message);

        var none = GpuDiscovery.Discover(program: "/nonexistent/nvidia-smi");
        Assert.True(none.CpuOnly);
        Assert.Contains("not found: no NVIDIA GPU driver", none.Problem);
    }
}
